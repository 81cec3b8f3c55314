/** Creates the origin's topics if they are missing; safe to run from every process at every start. */
import type { ITopicConfig, Kafka } from "kafkajs";
import type { KafkaConfig } from "../config.js";

const WEEK_MS = 7 * 24 * 3_600_000;

export async function ensureTopics(kafka: Kafka, config: KafkaConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const all = [config.topics.messages, config.topics.dlq, config.topics.reports];
    const wanted = all.filter((t) => !existing.has(t));
    if (wanted.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => topicSpec(config, topic, retentionOf(config, topic))),
      });
    }
    // Listed is not yet served: just after a broker starts, creation can fail its wait for leaders with "does not
    // host this topic-partition", and the caller's retry would then find the topics listed and skip them. Their
    // metadata fails (retriably) until the broker serves them, so a retry checks again instead.
    await admin.fetchTopicMetadata({ topics: all });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Dead letters wait for someone to look at them, and so do reports: an operator may read the reports topic only every
 * few days, so it keeps them four weeks like the dead letters.
 */
function retentionOf(config: KafkaConfig, topic: string): number {
  return topic === config.topics.dlq || topic === config.topics.reports ? 4 * WEEK_MS : WEEK_MS;
}

/** How an origin topic is created (the `origin` bench creates its raw-produce topic the same way). */
export function topicSpec(config: KafkaConfig, topic: string, retentionMs = WEEK_MS): ITopicConfig {
  return {
    topic,
    numPartitions: config.partitions,
    replicationFactor: config.replicationFactor,
    // acks=all only means "every in-sync replica": with fewer than this many in sync a write is not yet safe.
    configEntries: [
      { name: "min.insync.replicas", value: String(config.minInsyncReplicas) },
      { name: "retention.ms", value: String(retentionMs) },
    ],
  };
}
