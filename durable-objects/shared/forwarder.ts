/**
 * Drains an origin outbox: posts batches to `ORIGIN_URL/v1/ingest` one at a time, each cut to what one ingest
 * body may carry (MAX_INGEST_BYTES, which origin refuses past), commits a batch (deletes rows or moves a watermark)
 * only after origin answered 2xx, and after a refusal backs off exponentially, retrying from the alarm so the retry
 * survives a restart. Without ORIGIN_URL it does nothing: the edge's own storage is then the durable store.
 */
import { fittingEvents, ingestEnvelope } from "../../protocol/ingest-batch.js";
import { exponentialBackoff, spread, type Backoff, type OriginEvent } from "../../protocol/index.js";
import type { EdgeConfig } from "../config.js";
import type { AlarmClock } from "./alarm.js";
import { postBatch } from "./origin-client.js";

export interface OutboxBatch {
  events: OriginEvent[];
  commit(): void;
}

/**
 * The oldest `limit` events of an outbox, or null when it is empty. A read: called again with a smaller limit (and no
 * await between), it returns a prefix of the same events, whose commit covers only that prefix.
 */
export type NextBatch = (limit: number) => OutboxBatch | null;

export const OUTBOX_BATCH = 500;

export class Forwarder {
  private running = false;
  private retryAt = 0;
  private readonly backoff: Backoff;

  constructor(
    private readonly config: EdgeConfig,
    private readonly clock: AlarmClock,
    private readonly next: NextBatch,
  ) {
    this.backoff = exponentialBackoff(config.outboxRetryMs, 5 * 60_000, spread(0.25));
  }

  get enabled(): boolean {
    return this.config.originUrl !== undefined;
  }

  /** Starts draining unless a drain runs or a backoff is in force (the alarm armed for `retryAt` retries). */
  kick(): void {
    if (!this.enabled || this.running || Date.now() < this.retryAt) return;
    this.running = true;
    void this.drain().finally(() => (this.running = false));
  }

  /**
   * When the alarm should next look at this outbox, given that it still holds something: the backoff's retry
   * time, never sooner; null while a drain runs (a failing drain arms the alarm itself).
   */
  nextAttempt(now = Date.now()): number | null {
    if (this.running) return null;
    return Math.max(this.retryAt, now + this.config.outboxRetryMs);
  }

  private async drain(): Promise<void> {
    for (let batch = this.nextBody(); batch; batch = this.nextBody()) {
      if (!(await postBatch(this.config, batch.body))) {
        this.retryAt = Date.now() + this.backoff.next();
        await this.clock.wakeBy(this.retryAt);
        return;
      }
      batch.commit();
      this.backoff.reset();
      this.retryAt = 0;
    }
  }

  /** The next batch as one ingest body, cut by bytes: `commit` covers exactly the events the body carries. */
  private nextBody(): { body: string; commit(): void } | null {
    const batch = this.next(OUTBOX_BATCH);
    if (!batch) return null;
    const events = batch.events.map((event) => JSON.stringify(event));
    const fitting = fittingEvents(events);
    const posted = fitting === events.length ? batch : this.next(fitting);
    if (!posted) return null;
    return { body: ingestEnvelope(events.slice(0, posted.events.length)), commit: () => posted.commit() };
  }
}
