/** Consumer-group plumbing shared by the persister and push services. */
import type { Batch, Consumer, Kafka } from "kafkajs";
import type { KafkaConfig } from "../config.js";
import { consumerLag } from "../shared/metrics.js";

export function createConsumer(kafka: Kafka, groupId: string, config: KafkaConfig): Consumer {
  return kafka.consumer({
    groupId,
    sessionTimeout: config.sessionTimeoutMs,
    // The broker wants at least three heartbeats per session.
    heartbeatInterval: Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3)),
    maxWaitTimeInMs: 500,
    // A consumer that crashed (e.g. the broker went away) rejoins by itself.
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
}

/** Resolves on the first time the consumer joins its group (tests wait for it before producing). */
export function firstJoin(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
}

/** The offset to commit after `offset`: Kafka commits name the next record to read. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

export function recordLag(groupId: string, batch: Batch): void {
  consumerLag.set({ group: groupId, topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
}
