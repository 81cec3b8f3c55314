/**
 * Drains an origin outbox: posts batches to `ORIGIN_URL/v1/ingest` one at a time, each cut to what one ingest body
 * may carry (MAX_INGEST_BYTES, which origin refuses past), commits a batch (moves a watermark) only after origin
 * answered 2xx, and after a refusal backs off exponentially, retrying from the alarm so the retry survives a restart.
 * Without ORIGIN_URL it does nothing: the edge's own storage is then the durable store.
 */
import { fittingEvents, ingestEnvelope } from "../../protocol/ingest-batch.js";
import { exponentialBackoff, spread, type Backoff, type OriginEvent } from "../../protocol/index.js";
import type { EdgeConfig } from "../config.js";
import type { AlarmConcern } from "./alarm.js";
import { inBackground } from "./log.js";

export interface OutboxBatch {
  events: OriginEvent[];
  commit(): void;
}

/**
 * The oldest `limit` events of an outbox, or null when it is empty. A read: called again with a smaller limit (and no
 * await between), it returns a prefix of the same events, whose commit covers only that prefix.
 */
export type NextBatch = (limit: number) => OutboxBatch | null;

export interface Outbox {
  next: NextBatch;
  /** True while origin lacks something (cheap: no storage read); the alarm keeps coming back for it. */
  behind(): boolean;
}

/** Where batches go: `post` is true only when origin confirmed the body. */
export interface Ingest {
  post(path: string, body: string): Promise<boolean>;
}

export const OUTBOX_BATCH = 500;
const MAX_RETRY_MS = 5 * 60_000;

export class Forwarder implements AlarmConcern {
  private running = false;
  /** No drain starts before this (the backoff after a refusal). */
  private retryAt = 0;
  /** When this outbox wants the alarm: after a refusal, or while origin is behind. */
  private wakeAt: number | null = null;
  private readonly backoff: Backoff;

  constructor(
    private readonly config: Pick<EdgeConfig, "originUrl" | "outboxRetryMs">,
    private readonly outbox: Outbox,
    private readonly origin: Ingest,
    private readonly alarm: { reschedule(): Promise<void> },
  ) {
    this.backoff = exponentialBackoff(config.outboxRetryMs, MAX_RETRY_MS, spread(0.25));
  }

  get enabled(): boolean {
    return this.config.originUrl !== undefined;
  }

  /** Starts draining unless a drain runs or a backoff is in force (the alarm retries then). */
  kick(): void {
    if (!this.enabled || this.running || Date.now() < this.retryAt) return;
    this.running = true;
    inBackground(
      this.drain().finally(() => (this.running = false)),
      "Forwarder",
      "drain_failed",
    );
  }

  nextWake(): number | null {
    return this.wakeAt;
  }

  /**
   * Drains what is due, then wants the alarm again while origin is behind: at the backoff's retry time, never
   * sooner; not while a drain runs (a refused one asks for the alarm itself).
   */
  runDue(): void {
    this.kick();
    this.wakeAt =
      this.enabled && this.outbox.behind() && !this.running
        ? Math.max(this.retryAt, Date.now() + this.config.outboxRetryMs)
        : null;
  }

  private async drain(): Promise<void> {
    for (let batch = this.nextBody(); batch; batch = this.nextBody()) {
      if (!(await this.origin.post("/v1/ingest", batch.body))) {
        this.retryAt = Date.now() + this.backoff.next();
        this.wakeAt = this.retryAt;
        await this.alarm.reschedule();
        return;
      }
      batch.commit();
      this.backoff.reset();
      this.retryAt = 0;
    }
  }

  /** The next batch as one ingest body, cut by bytes: `commit` covers exactly the events the body carries. */
  private nextBody(): { body: string; commit(): void } | null {
    const batch = this.outbox.next(OUTBOX_BATCH);
    if (!batch) return null;
    const events = batch.events.map((event) => JSON.stringify(event));
    const fitting = fittingEvents(events);
    const posted = fitting === events.length ? batch : this.outbox.next(fitting);
    if (!posted) return null;
    return { body: ingestEnvelope(events.slice(0, posted.events.length)), commit: () => posted.commit() };
  }
}
