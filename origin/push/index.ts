/**
 * The push service: a consumer group of its own on `chat.messages`. It keeps each conversation's members from the
 * `members` snapshots in the stream (or the store), and coalesces every message for a member who is neither its
 * sender nor online into Web Push notifications.
 */
import type { Consumer } from "kafkajs";
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { createConsumer, firstJoin, startAtEndIfNew, watchCrashes } from "../kafka/consumer.js";
import { CassandraMembersStore } from "../members/members-store-cassandra.js";
import { RedisPresenceStore } from "../presence/presence-store-redis.js";
import { WebPushSender } from "../push-sender/push-sender-webpush.js";
import type { RunningService, StartOptions } from "../service.js";
import { Limiter } from "../shared/limiter.js";
import { createLogger, type Logger } from "../shared/log.js";
import { errorMessage } from "../shared/timeout.js";
import { CassandraSubscriptionStore } from "../subscriptions/subscription-store-cassandra.js";
import { Coalescer } from "./coalescer.js";
import { CommitTracker } from "./commit-tracker.js";
import { MembersCache } from "./members-cache.js";
import { notify } from "./notify.js";
import { pushBatch } from "./push-batch.js";

/** Partitions handled at once: one waiting on Redis or Cassandra does not hold the others back. */
const PARTITIONS_IN_PARALLEL = 3;
/** Member ids of the snapshots kept in memory (~100 bytes each); past it the least recent are read from the store again. */
const CACHED_MEMBERS = 1_000_000;
/** Subscription reads in flight (one per notification): a 10,000-member group must not queue 10,000 Cassandra reads at once. */
const SUBSCRIPTION_READS = 64;

export async function startPush(config: OriginConfig, options: StartOptions = {}): Promise<RunningService> {
  const log = (options.log ?? createLogger(config.logLevel)).child({ service: "push" });
  const backends = options.backends ?? openBackends(config, log);
  const { groups, topics } = config.kafka;
  const consumer = createConsumer(backends.kafka, groups.push, config.kafka);
  const tracker = new CommitTracker();
  const cache = new MembersCache(CACHED_MEMBERS);
  const commit = committer(consumer, topics.messages, tracker, log);
  const notifyDeps = {
    subscriptions: new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser),
    sender: new WebPushSender(config.push.vapid, config.push.endpoints),
    reads: new Limiter(SUBSCRIPTION_READS),
    sends: new Limiter(config.push.sendConcurrency),
    maxRejections: config.push.maxRejections,
    ttlSeconds: config.push.ttlSeconds,
    log,
  };
  const coalescer = new Coalescer(config.push.coalesceMs, async (n) => {
    if (!(await notify(notifyDeps, n))) return false;
    for (const p of n.positions) tracker.finish(p.partition, p.offset);
    await commit();
    return true;
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const owned = event.payload.memberAssignment[topics.messages] ?? [];
    tracker.retain(owned);
    cache.retain(owned);
  });
  const ready = firstJoin(consumer);
  const watch = watchCrashes(consumer);
  const handle = pushBatch({
    groupId: groups.push,
    tracker,
    coalescer,
    commit,
    log,
    cache,
    members: new CassandraMembersStore(backends.cassandra, config.cassandra.keyspace),
    presence: new RedisPresenceStore(backends.redis, config.presenceTtlSeconds),
  });
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  await startAtEndIfNew(backends.kafka, groups.push, topics.messages, log);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.messages, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
    eachBatch: async (payload) => {
      if (stopping) return;
      const work = handle(payload);
      inFlight.add(work);
      await work.finally(() => inFlight.delete(work));
    },
  });
  log.info({ groupId: groups.push, topic: topics.messages }, "push consuming");
  return {
    ready,
    ...watch,
    async stop() {
      // kafkajs refuses commits once the consumer stopped, so: stop fetching, send what is coalescing, commit, leave.
      stopping = true;
      consumer.pause([{ topic: topics.messages }]);
      await Promise.allSettled([...inFlight]);
      await coalescer.drain();
      await commit();
      await consumer.disconnect();
      if (!options.backends) await backends.close();
    },
  };
}

/** Commits every partition's committable offset; a failed commit (mid-rebalance) is retried by the next call. */
function committer(consumer: Consumer, topic: string, tracker: CommitTracker, log: Logger): () => Promise<void> {
  return async () => {
    const ready = tracker.committable();
    if (ready.length === 0) return;
    try {
      await consumer.commitOffsets(ready.map((r) => ({ topic, ...r })));
      for (const r of ready) tracker.committed(r.partition, r.offset);
    } catch (error) {
      log.debug({ err: errorMessage(error) }, "push offsets not committed; next commit retries");
    }
  };
}
