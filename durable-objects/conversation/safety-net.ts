/**
 * The alarm's safety net: armed with the first send of a burst (before the send is acknowledged) and back every
 * `safetyMs` while sends keep coming, so pushes a crash interrupted are finished (push-retries.ts runs at every alarm)
 * and the members' lazily kept state (receipt watermarks, who is live) is saved.
 */
import type { AlarmConcern } from "../shared/alarm.js";
import type { MemberStates } from "./member-state.js";

export class SafetyNet implements AlarmConcern {
  private dueBy: number | null = null;
  private lastSendAt = 0;

  constructor(
    private readonly states: Pick<MemberStates, "save">,
    private readonly alarm: { reschedule(): Promise<void> },
    private readonly safetyMs: number,
  ) {}

  /** A send was sequenced: the alarm must come within `safetyMs`; resolved once it is set. */
  sent(now: number): Promise<void> {
    this.lastSendAt = now;
    if (this.dueBy === null || this.dueBy <= now) this.dueBy = now + this.safetyMs;
    return this.alarm.reschedule();
  }

  nextWake(): number | null {
    return this.dueBy;
  }

  runDue(): void {
    this.states.save();
    const now = Date.now();
    this.dueBy = now - this.lastSendAt < this.safetyMs ? now + this.safetyMs : null;
  }
}
