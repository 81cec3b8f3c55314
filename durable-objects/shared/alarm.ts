/**
 * One alarm per object, and one arbiter that owns it (as cloudflare/agents' scheduler does): each concern of the object
 * (push retries, forwarding to origin, pruning, the safety net) does its due work when the alarm fires and reports
 * when it next needs the alarm; the arbiter keeps the alarm at the earliest time any concern asked for and is the only
 * caller of `setAlarm`. It writes nothing when an alarm at or before that time is already set (a write per message
 * would cost as much as the message). Alarms are durable: one set before a crash fires after the restart, which is
 * what makes retries survive it. https://developers.cloudflare.com/durable-objects/api/alarms/
 */
export interface AlarmConcern {
  /** When this concern needs the alarm next (ms since the epoch), or null when it needs none. */
  nextWake(): number | null;
  /**
   * The alarm fired: does what is due and sets what `nextWake` reports for what remains. Every concern is asked at
   * every alarm, in the order registered: a fresh instance (after a crash) learns what is owed only then.
   */
  runDue(): Promise<void> | void;
}

/** The part of `ctx.storage` the arbiter uses. */
export interface AlarmStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(time: number): Promise<void>;
}

export class AlarmArbiter {
  private readonly concerns: AlarmConcern[] = [];
  /** The alarm as last read or set; undefined until read once. */
  private armedAt: number | null | undefined;
  /** While `fire` runs, when it started: wakes at or before it are the ones being handled, not new requests. */
  private firing: number | null = null;

  constructor(private readonly storage: AlarmStorage) {}

  register(...concerns: AlarmConcern[]): void {
    this.concerns.push(...concerns);
  }

  /** A concern's wake moved earlier: the alarm is set at the earliest wake, unless one at or before it is set. */
  async reschedule(): Promise<void> {
    const next = this.earliest();
    if (next === null) return;
    if (this.armedAt === undefined) this.armedAt = await this.storage.getAlarm();
    if (this.armedAt !== null && this.armedAt <= next) return;
    this.armedAt = next;
    await this.storage.setAlarm(next);
  }

  /** `alarm()`: the alarm that fired is no longer set; every concern does its due work; then one alarm is set. */
  async fire(): Promise<void> {
    this.armedAt = null;
    this.firing = Date.now();
    try {
      for (const concern of this.concerns) await concern.runDue();
    } finally {
      this.firing = null;
    }
    await this.reschedule();
  }

  /** The alarm fired with nothing to do (the object holds no state yet). */
  fired(): void {
    this.armedAt = null;
  }

  private earliest(): number | null {
    let earliest: number | null = null;
    for (const concern of this.concerns) {
      const wake = concern.nextWake();
      if (wake === null || (this.firing !== null && wake <= this.firing)) continue;
      if (earliest === null || wake < earliest) earliest = wake;
    }
    return earliest;
  }
}
