/**
 * The persister: a consumer group on `chat.messages` that upserts every message, and each conversation's newest members
 * snapshot, into Cassandra.
 */
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { createConsumer, firstJoin, watchCrashes } from "../kafka/consumer.js";
import { CassandraMembersStore } from "../members/members-store-cassandra.js";
import { KafkaMessageLog } from "../message-log/message-log-kafka.js";
import { CassandraMessageStore } from "../message-store/message-store-cassandra.js";
import type { RunningService, StartOptions } from "../service.js";
import { createLogger } from "../shared/log.js";
import { persistBatch } from "./persist-batch.js";

/** Partitions written at once: Cassandra handles concurrent partitions well, and two cores limit the rest. */
const PARTITIONS_IN_PARALLEL = 3;

export async function startPersister(config: OriginConfig, options: StartOptions = {}): Promise<RunningService> {
  const log = (options.log ?? createLogger(config.logLevel)).child({ service: "persister" });
  const backends = options.backends ?? openBackends(config, log);
  const groupId = config.kafka.groups.persister;
  const messageLog = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const consumer = createConsumer(backends.kafka, groupId, config.kafka);
  const ready = firstJoin(consumer);
  const watch = watchCrashes(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.messages, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
    eachBatch: persistBatch({
      groupId,
      store: new CassandraMessageStore(backends.cassandra, config.cassandra.keyspace),
      members: new CassandraMembersStore(backends.cassandra, config.cassandra.keyspace),
      messageLog,
      log,
    }),
  });
  log.info({ groupId, topic: config.kafka.topics.messages }, "persister consuming");
  return {
    ready,
    ...watch,
    async stop() {
      // disconnect() waits for the batch in hand: it finishes and commits, or gives up uncommitted.
      await consumer.disconnect();
      await messageLog.close();
      if (!options.backends) await backends.close();
    },
  };
}
