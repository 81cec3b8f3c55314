/**
 * The `origin` scenario's ceilings: the same message events, at the same concurrency (origin-load.ts), written
 * straight to each backend by its driver, with nothing of the origin in between. The pipeline cannot persist
 * faster than the slower of the two; how close it gets is what the scenario reports.
 *
 * - Kafka: a kafkajs producer with the ingest's settings (`PRODUCER_CONFIG`: idempotent, acks=all) on the origin's
 *   client settings, producing each batch keyed by conversation to a topic of the run created like the origin's.
 * - Cassandra: the persister's row write (`insertMessage`, prepared, LOCAL_QUORUM from the origin's client), each
 *   batch as one unlogged batch per partition, as the message store writes them, into the run's keyspace.
 *
 * Each ends by counting what the backend holds: a ceiling that lost or doubled writes would measure nothing.
 */
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import { topicSpec } from "../../origin/kafka/topics.js";
import { ACKS_ALL, PRODUCER_CONFIG } from "../../origin/message-log/message-log-kafka.js";
import { bucketOf } from "../../origin/message-store/buckets.js";
import { messageStatements } from "../../origin/message-store/cql.js";
import { messageRow } from "../../origin/message-store/mutations.js";
import { mapLimit } from "../../origin/shared/map-limit.js";
import type { MessageEvent } from "../../protocol/events.js";
import { countMessages, withKafkaAdmin } from "../../test/origin/support.js";
import type { Options } from "../cli.js";
import { Progress } from "../progress.js";
import { closedLoop, newStreams, type LoopResult, type Stream } from "./origin-load.js";

export interface CeilingResult extends LoopResult {
  /** Records (Kafka) or rows (Cassandra) found afterwards: equal to `events` unless writes were lost or doubled. */
  stored: number;
}

export async function kafkaCeiling(o: Options, config: OriginConfig, backends: Backends): Promise<CeilingResult> {
  const topic = `${config.kafka.topics.messages}.ceiling`;
  await withKafkaAdmin(config, (admin) =>
    admin.createTopics({ waitForLeaders: true, topics: [topicSpec(config.kafka, topic)] }),
  );
  const producer = backends.kafka.producer(PRODUCER_CONFIG);
  try {
    await producer.connect();
    const streams = newStreams("kafka-ceiling", o.pairs);
    const loop = await closedLoop(o, streams, new Progress("origin: raw kafkajs produce"), async (events) => {
      const messages = events.map((e) => ({ key: e.conversationId, value: JSON.stringify(e) }));
      await producer.sendBatch({ acks: ACKS_ALL, topicMessages: [{ topic, messages }] });
      return true;
    });
    const offsets = await withKafkaAdmin(config, (admin) => admin.fetchTopicOffsets(topic));
    return { ...loop, stored: offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0) };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await withKafkaAdmin(config, (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  }
}

export async function cassandraCeiling(o: Options, config: OriginConfig, backends: Backends): Promise<CeilingResult> {
  const { insertMessage } = messageStatements(config.cassandra.keyspace);
  const streams = newStreams("cassandra-ceiling", o.pairs);
  const loop = await closedLoop(o, streams, new Progress("origin: raw cassandra-driver insert"), async (events) => {
    await Promise.all(
      byPartition(events).map((rows) =>
        backends.cassandra.batch(
          rows.map((e) => ({ query: insertMessage, params: messageRow(e) })),
          { prepare: true, logged: false },
        ),
      ),
    );
    return true;
  });
  return { ...loop, stored: await countAll(backends, config, streams) };
}

/** A stream's batch crosses a partition boundary every BUCKET_SIZE seqs; the message store splits it there too. */
function byPartition(events: MessageEvent[]): MessageEvent[][] {
  const groups = new Map<number, MessageEvent[]>();
  for (const e of events) {
    const group = groups.get(bucketOf(e.seq));
    if (group) group.push(e);
    else groups.set(bucketOf(e.seq), [e]);
  }
  return [...groups.values()];
}

async function countAll(backends: Backends, config: OriginConfig, streams: Stream[]): Promise<number> {
  const counts = await mapLimit(streams, 16, (s) => countMessages(backends, config, s.id, s.seq));
  return counts.reduce((a, b) => a + b, 0);
}
