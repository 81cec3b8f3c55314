/** kafkajs consumer-group plumbing behind the Kafka LogConsumer (message-log/log-consumer-kafka.ts). */
import type { Consumer, Kafka } from "kafkajs";
import { fail, ok } from "../../protocol/errors.js";
import type { KafkaConfig } from "../config.js";
import type { Consuming } from "../message-log/log-consumer.js";
import type { Logger } from "../shared/log.js";
import { errorMessage } from "../shared/timeout.js";
import { findCoordinatorsAgainWhenLost } from "./coordinator.js";

export function createConsumer(kafka: Kafka, groupId: string, config: KafkaConfig): Consumer {
  findCoordinatorsAgainWhenLost();
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

/**
 * kafkajs restarts a consumer after a retriable crash by itself; after any other crash the consumer is gone while
 * the process lives on, consuming nothing. That must not stay silent: the process turns unhealthy, and main.ts exits
 * so that the container is restarted (offsets are committed only after the work, so a restart loses nothing).
 */
export function watchCrashes(consumer: Consumer): Pick<Consuming, "health" | "failed"> {
  let fatal: Error | null = null;
  const failed = new Promise<Error>((resolve) => {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      fatal = payload.error;
      resolve(payload.error);
    });
  });
  const health = async () => (fatal ? fail("unavailable", `consumer stopped: ${fatal.message}`) : ok(undefined));
  return { health, failed };
}

/**
 * A group that has never committed on `topic` starts at its end rather than its beginning. For the push service:
 * `chat.messages` keeps a week of messages, and a new group reading them from the start (the first v2 start, or a
 * renamed prefix) would notify everyone of a week of old messages. Partitions added later, without offsets, are read
 * from their beginning (the subscription's `fromBeginning`), since all they hold is new. Must run before the consumer
 * joins: the broker refuses to set the offsets of a group with members, and then another process has set them
 * already.
 */
export async function startAtEndIfNew(kafka: Kafka, groupId: string, topic: string, log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed?.partitions.some((p) => p.offset !== "-1")) return;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
    log.info({ groupId, topic }, "new consumer group: starting at the end of the topic");
  } catch (error) {
    log.info(
      { groupId, topic, err: errorMessage(error) },
      "new consumer group's offsets not set here (another process started it)",
    );
  } finally {
    await admin.disconnect();
  }
}
