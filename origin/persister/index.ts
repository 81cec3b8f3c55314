/**
 * The persister: a consumer group on `chat.messages` that upserts every message, and each conversation's newest members
 * snapshot, into Cassandra (persist.ts).
 */
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { CassandraMembersStore } from "../members/members-store-cassandra.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import { KafkaLogConsumer } from "../message-log/log-consumer-kafka.js";
import type { Consuming } from "../message-log/log-consumer.js";
import { KafkaMessageLog } from "../message-log/message-log-kafka.js";
import { CassandraMessageStore } from "../message-store/message-store-cassandra.js";
import type { StartOptions } from "../service.js";
import { createLogger } from "../shared/log.js";
import { persist } from "./persist.js";

/** Partitions written at once: Cassandra handles concurrent partitions well, and two cores limit the rest. */
const PARTITIONS_IN_PARALLEL = 3;

export async function startPersister(config: OriginConfig, options: StartOptions = {}): Promise<Consuming> {
  const base = options.log ?? createLogger(config.logLevel);
  const log = base.child({ service: "persister" });
  const backends = options.backends ?? openBackends(config, log);
  const messageLog = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const consuming = await new KafkaLogConsumer(backends.kafka, config.kafka, base).consume({
    service: "persister",
    group: config.kafka.groups.persister,
    stream: "messages",
    schema: conversationRecord,
    startAt: "beginning",
    concurrency: PARTITIONS_IN_PARALLEL,
    handle: persist({
      messages: new CassandraMessageStore(backends.cassandra, config.cassandra.keyspace),
      members: new CassandraMembersStore(backends.cassandra, config.cassandra.keyspace),
      messageLog,
    }),
  });
  return {
    ...consuming,
    async stop() {
      await consuming.stop();
      await messageLog.close();
      if (!options.backends) await backends.close();
    },
  };
}
