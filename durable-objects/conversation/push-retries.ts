/**
 * The alarm's push concern: a push that failed, or did not finish in time, is retried from the alarm, with exponential
 * backoff while members stay unreachable. The alarm also finishes pushes a crash cut short: a fresh instance pushes
 * live members again from what they last confirmed (member-state.ts), so this runs at every alarm.
 */
import { exponentialBackoff, spread, type Backoff } from "../../protocol/index.js";
import type { AlarmConcern } from "../shared/alarm.js";
import type { Push } from "./push.js";
import type { ConversationStore } from "./store.js";

/** How long the alarm waits for every member's push loop before it counts them as not caught up. */
const SETTLE_MS = 10_000;
const MAX_RETRY_MS = 60_000;

export class PushRetries implements AlarmConcern {
  private retryAt: number | null = null;
  private readonly backoff: Backoff;

  constructor(
    private readonly push: Pick<Push, "settle" | "pending">,
    private readonly store: Pick<ConversationStore, "currentMembers">,
    private readonly alarm: { reschedule(): Promise<void> },
    private readonly retryMs: number,
  ) {
    this.backoff = exponentialBackoff(retryMs, MAX_RETRY_MS, spread(0.25));
  }

  /** A push failed or did not finish in time: the alarm comes back within `retryMs`. */
  failed(now = Date.now()): Promise<void> {
    if (this.retryAt === null || this.retryAt <= now) this.retryAt = now + this.retryMs;
    return this.alarm.reschedule();
  }

  nextWake(): number | null {
    return this.retryAt;
  }

  /** Pushes whatever is owed; comes back soon while something still is, later each time members stay unreachable. */
  async runDue(): Promise<void> {
    const caughtUp = await this.push.settle(this.store.currentMembers(), SETTLE_MS);
    if (caughtUp) this.backoff.reset();
    this.retryAt =
      !caughtUp || this.push.pending() ? Date.now() + (caughtUp ? this.retryMs : this.backoff.next()) : null;
  }
}
