/**
 * A Durable Object has one alarm; several concerns (fan-out retry, origin outbox, presence refresh) each want
 * to be woken by some time. This keeps the alarm at the earliest time any of them asked for, without a storage
 * write when an earlier or equal alarm is already set (a write per message would cost as much as the message).
 * Alarms are durable: one set before a crash fires after the restart, which is what makes retries survive it.
 */
export class AlarmClock {
  private armedAt: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Ensures the alarm fires no later than `time`. */
  async wakeBy(time: number): Promise<void> {
    if (this.armedAt === undefined) this.armedAt = await this.storage.getAlarm();
    if (this.armedAt !== null && this.armedAt <= time) return;
    this.armedAt = time;
    await this.storage.setAlarm(time);
  }

  /** Called at the start of `alarm()`: the alarm that fired is no longer set. */
  fired(): void {
    this.armedAt = null;
  }
}
