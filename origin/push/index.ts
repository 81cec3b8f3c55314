/**
 * The push service: a consumer group of its own on `chat.messages`. It keeps each conversation's members from the
 * `members` snapshots in the stream (or the store), and coalesces every message for a member who is neither its
 * sender nor online into Web Push notifications (fan-out.ts, coalescer.ts, notify.ts).
 */
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { CassandraMembersStore } from "../members/members-store-cassandra.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import { KafkaLogConsumer } from "../message-log/log-consumer-kafka.js";
import type { Consuming } from "../message-log/log-consumer.js";
import { RedisPresenceStore } from "../presence/presence-store-redis.js";
import { WebPushSender } from "../push-sender/push-sender-webpush.js";
import type { StartOptions } from "../service.js";
import { Limiter } from "../shared/limiter.js";
import { createLogger } from "../shared/log.js";
import { CassandraSubscriptionStore } from "../subscriptions/subscription-store-cassandra.js";
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

export async function startPush(config: OriginConfig, options: StartOptions = {}): Promise<Consuming> {
  const base = options.log ?? createLogger(config.logLevel);
  const log = base.child({ service: "push" });
  const backends = options.backends ?? openBackends(config, log);
  const cache = new MembersCache(CACHED_MEMBERS);
  const notifyDeps = {
    subscriptions: new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser),
    sender: new WebPushSender(config.push.vapid, config.push.endpoints),
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
  const consuming = await new KafkaLogConsumer(backends.kafka, config.kafka, base).consume({
    service: "push",
    group: config.kafka.groups.push,
    stream: "messages",
    schema: conversationRecord,
    startAt: "end",
    concurrency: PARTITIONS_IN_PARALLEL,
    handle: fanOut({
      coalescer,
      cache,
      members: new CassandraMembersStore(backends.cassandra, config.cassandra.keyspace),
      presence: new RedisPresenceStore(backends.redis, config.presenceTtlSeconds),
      log,
    }),
    assigned: (partitions) => cache.retain(partitions),
    // Sends what is coalescing, so that its records are committed before the consumer leaves.
    drain: () => coalescer.drain(),
  });
  return {
    ...consuming,
    async stop() {
      await consuming.stop();
      if (!options.backends) await backends.close();
    },
  };
}
