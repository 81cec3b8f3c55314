/**
 * The push service: a consumer group of its own on `chat.messages`. It keeps each conversation's members from the
 * `members` snapshots in the stream (or the store), and coalesces every message for a member who is neither its
 * sender nor online into Web Push notifications (fan-out.ts, coalescer.ts, notify.ts).
 */
import type { OriginConfig } from "../config.js";
import type { MembersStore } from "../members/members-store.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import type { Consuming, LogConsumer } from "../message-log/log-consumer.js";
import type { PresenceStore } from "../presence/presence-store.js";
import type { PushSender } from "../push-sender/push-sender.js";
import { Limiter } from "../shared/limiter.js";
import type { Logger } from "../shared/log.js";
import type { SubscriptionStore } from "../subscriptions/subscription-store.js";
import { Coalescer } from "./coalescer.js";
import { fanOut, type Release } from "./fan-out.js";
import { MembersCache } from "./members-cache.js";
import { notify } from "./notify.js";

/** Partitions handled at once: one waiting on Redis or Cassandra does not hold the others back. */
const PARTITIONS_IN_PARALLEL = 3;
/** Member ids of the snapshots kept in memory (~100 bytes each); past it the least recent are read from the store again. */
const CACHED_MEMBERS = 1_000_000;
/** Subscription reads in flight (one per notification): a 10,000-member group must not queue 10,000 Cassandra reads at once. */
const SUBSCRIPTION_READS = 64;

export interface PushDeps {
  consumer: LogConsumer;
  members: MembersStore;
  presence: PresenceStore;
  subscriptions: SubscriptionStore;
  pushSender: PushSender;
}

export function startPush(config: OriginConfig, deps: PushDeps, processLog: Logger): Promise<Consuming> {
  const log = processLog.child({ service: "push" });
  const cache = new MembersCache(CACHED_MEMBERS);
  const notifyDeps = {
    subscriptions: deps.subscriptions,
    sender: deps.pushSender,
    reads: new Limiter(SUBSCRIPTION_READS),
    sends: new Limiter(config.push.sendConcurrency),
    maxRejections: config.push.maxRejections,
    ttlSeconds: config.push.ttlSeconds,
    log,
  };
  const coalescer = new Coalescer<Release>(config.push.coalesceMs, async (n) => {
    if (!(await notify(notifyDeps, n))) return false;
    for (const release of n.holds) release();
    return true;
  });
  return deps.consumer.consume({
    service: "push",
    group: config.kafka.groups.push,
    stream: "messages",
    schema: conversationRecord,
    startAt: "end",
    concurrency: PARTITIONS_IN_PARALLEL,
    handle: fanOut({ coalescer, cache, members: deps.members, presence: deps.presence, log }),
    assigned: (partitions) => cache.retain(partitions),
    // Sends what is coalescing, so that its records are committed before the consumer leaves.
    drain: () => coalescer.drain(),
  });
}
