/** One-time preparation at start: the Cassandra schema and the Kafka topics, both idempotent. */
import { setTimeout as sleep } from "node:timers/promises";
import { exponentialBackoff } from "../protocol/backoff.js";
import { applySchema } from "./cassandra/schema.js";
import type { Backends } from "./backends.js";
import type { OriginConfig } from "./config.js";
import { ensureTopics } from "./kafka/topics.js";
import type { Logger } from "./shared/log.js";
import { errorMessage } from "./shared/timeout.js";

async function prepareStorage(config: OriginConfig, backends: Backends): Promise<void> {
  await Promise.all([applySchema(backends.cassandra, config.cassandra), ensureTopics(backends.kafka, config.kafka)]);
}

/**
 * Retries until Kafka and Cassandra accept the setup: in a fresh deployment they may still be starting (Cassandra 5
 * takes tens of seconds before it serves CQL). `signal` aborts the wait on shutdown.
 */
export async function prepareWhenReady(
  config: OriginConfig,
  backends: Backends,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const backoff = exponentialBackoff(500, 10_000);
  for (;;) {
    try {
      await prepareStorage(config, backends);
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      const delay = backoff.next();
      log.warn({ err: errorMessage(error), retryInMs: delay }, "storage not ready; retrying setup");
      await sleep(delay);
    }
  }
}
