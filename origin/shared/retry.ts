/**
 * Retries a step until it succeeds while a Kafka consumer still owns its batch. Between attempts it heartbeats, so a
 * long outage (Cassandra restarting) does not cost the consumer its partitions; if the consumer stops or the
 * partition is taken away, it gives up and the records, never committed, are read again later.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { exponentialBackoff } from "../../protocol/backoff.js";
import type { Result } from "../../protocol/errors.js";
import type { Logger } from "./log.js";
import { batchRetries } from "./metrics.js";

export interface BatchControl {
  isRunning(): boolean;
  isStale(): boolean;
  heartbeat(): Promise<void>;
}

const HEARTBEAT_SLICE_MS = 1_000;

/** What `step` answered once it succeeded; null when the batch was abandoned. */
export async function retryWhileOwned<T>(
  service: string,
  step: () => Promise<Result<T>>,
  control: BatchControl,
  log: Logger,
): Promise<{ value: T } | null> {
  const backoff = exponentialBackoff(200, 10_000);
  for (;;) {
    const result = await step();
    if (result.ok) return { value: result.value };
    const delay = backoff.next();
    batchRetries.inc({ service });
    log.warn({ err: result.error.message, retryInMs: delay }, "batch step failed; retrying without committing");
    for (let waited = 0; waited < delay; waited += HEARTBEAT_SLICE_MS) {
      if (!control.isRunning() || control.isStale()) return null;
      await sleep(Math.min(HEARTBEAT_SLICE_MS, delay - waited));
      await control.heartbeat();
    }
    if (!control.isRunning() || control.isStale()) return null;
  }
}
