/**
 * The queue's retention: a report is deleted `retentionMs` after it last changed (filed, or resolved), once origin has
 * it. The sweep runs from the alarm at most once a day (or once a retention period, when that is shorter), so a report
 * lives at most that much longer; it needs the alarm only while reports remain.
 */
import type { AlarmConcern } from "../shared/alarm.js";
import type { ReportStore } from "./store.js";

const DAY_MS = 24 * 3600_000;

export class ReportRetention implements AlarmConcern {
  private readonly intervalMs: number;
  /** When the next sweep is due; null when none is planned (nothing kept, or a fresh instance that has not swept). */
  private at: number | null = null;

  constructor(
    private readonly store: ReportStore,
    private readonly retentionMs: number,
    /** The newest position that may go: origin confirmed everything up to it (everything, without an origin). */
    private readonly forwardedUpTo: () => number,
  ) {
    this.intervalMs = Math.min(retentionMs, DAY_MS);
  }

  /** A report was filed or resolved: a sweep is planned, if none is. */
  arm(): void {
    this.at ??= Date.now() + this.intervalMs;
  }

  nextWake(): number | null {
    return this.at;
  }

  /** A fresh instance sweeps at the first alarm: it cannot know when the last sweep was. */
  runDue(): void {
    const now = Date.now();
    if (this.at !== null && this.at > now) return;
    const remaining = this.store.sweep(now - this.retentionMs, this.forwardedUpTo());
    this.at = remaining > 0 ? now + this.intervalMs : null;
  }
}
