/**
 * The persister: a consumer group on `chat.messages` that upserts every entry of each conversation's log (messages,
 * and actions applied to the messages they act on) and each conversation's newest members snapshot into Cassandra
 * (persist.ts).
 */
import type { OriginConfig } from "../config.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import type { Consuming, LogConsumer } from "../message-log/log-consumer.js";
import { persist, type PersistDeps } from "./persist.js";

/** Partitions written at once: Cassandra handles concurrent partitions well, and two cores limit the rest. */
const PARTITIONS_IN_PARALLEL = 3;

export interface PersisterDeps extends PersistDeps {
  consumer: LogConsumer;
}

export function startPersister(config: OriginConfig, deps: PersisterDeps): Promise<Consuming> {
  return deps.consumer.consume({
    service: "persister",
    group: config.kafka.groups.persister,
    stream: "messages",
    schema: conversationRecord,
    startAt: "beginning",
    concurrency: PARTITIONS_IN_PARALLEL,
    handle: persist(deps),
  });
}
