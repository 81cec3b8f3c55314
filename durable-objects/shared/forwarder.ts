/**
 * Drains an origin outbox: posts batches to `ORIGIN_URL/v1/ingest` one at a time, commits a batch (deletes
 * rows or moves a watermark) only after origin answered 2xx, and after a refusal backs off exponentially,
 * retrying from the alarm so the retry survives a restart. Without ORIGIN_URL it does nothing: the edge's
 * own storage is then the durable store.
 */
import type { OriginEvent } from "../../protocol/index.js";
import type { EdgeConfig } from "../../workers/config.js";
import { AlarmClock, Backoff } from "./alarm.js";
import { postEvents } from "./origin-client.js";

export interface OutboxBatch {
  events: OriginEvent[];
  commit(): void;
}

export const OUTBOX_BATCH = 500;

export class Forwarder {
  private running = false;
  private retryAt = 0;
  private readonly backoff: Backoff;

  constructor(
    private readonly config: EdgeConfig,
    private readonly clock: AlarmClock,
    private readonly next: (limit: number) => OutboxBatch | null,
  ) {
    this.backoff = new Backoff(config.outboxRetryMs, 5 * 60_000);
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
    for (let batch = this.next(OUTBOX_BATCH); batch; batch = this.next(OUTBOX_BATCH)) {
      if (!(await postEvents(this.config, batch.events))) {
        this.retryAt = Date.now() + this.backoff.failed();
        await this.clock.wakeBy(this.retryAt);
        return;
      }
      batch.commit();
      this.backoff.succeeded();
      this.retryAt = 0;
    }
  }
}
