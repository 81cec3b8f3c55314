/** The push service: a consumer group on `chat.push` that coalesces offline events into Web Push notifications. */
import type { Consumer } from "kafkajs";
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { createConsumer, firstJoin, watchCrashes } from "../kafka/consumer.js";
import { KafkaMessageLog } from "../message-log/message-log-kafka.js";
import { WebPushSender } from "../push-sender/push-sender-webpush.js";
import type { RunningService, StartOptions } from "../service.js";
import { Limiter } from "../shared/limiter.js";
import { createLogger, type Logger } from "../shared/log.js";
import { errorMessage } from "../shared/timeout.js";
import { CassandraSubscriptionStore } from "../subscriptions/subscription-store-cassandra.js";
import { Coalescer } from "./coalescer.js";
import { CommitTracker } from "./commit-tracker.js";
import { notify } from "./notify.js";
import { pushBatch } from "./push-batch.js";

export async function startPush(config: OriginConfig, options: StartOptions = {}): Promise<RunningService> {
  const log = (options.log ?? createLogger(config.logLevel)).child({ service: "push" });
  const backends = options.backends ?? openBackends(config, log);
  const { groups, topics } = config.kafka;
  const messageLog = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const consumer = createConsumer(backends.kafka, groups.push, config.kafka);
  const tracker = new CommitTracker();
  const commit = committer(consumer, topics.push, tracker, log);
  const notifyDeps = {
    subscriptions: new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser),
    sender: new WebPushSender(config.push.vapid, config.push.endpoints),
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
  consumer.on(consumer.events.GROUP_JOIN, (event) => tracker.retain(event.payload.memberAssignment[topics.push] ?? []));
  const ready = firstJoin(consumer);
  const watch = watchCrashes(consumer);
  const handle = pushBatch({ groupId: groups.push, tracker, coalescer, messageLog, commit, log });
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  await consumer.connect();
  await consumer.subscribe({ topic: topics.push, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      if (stopping) return;
      const work = handle(payload);
      inFlight.add(work);
      await work.finally(() => inFlight.delete(work));
    },
  });
  log.info({ groupId: groups.push, topic: topics.push }, "push consuming");
  return {
    ready,
    ...watch,
    async stop() {
      // kafkajs refuses commits once the consumer stopped, so: stop fetching, send what is coalescing, commit, leave.
      stopping = true;
      consumer.pause([{ topic: topics.push }]);
      await Promise.allSettled([...inFlight]);
      await coalescer.drain();
      await commit();
      await consumer.disconnect();
      await messageLog.close();
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
