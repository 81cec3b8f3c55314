/** At most one run per key at a time: a call while one runs joins it; the key is free again once it settles. */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let flight = this.running.get(key);
    if (!flight) {
      flight = work().finally(() => this.running.delete(key));
      this.running.set(key, flight);
    }
    return flight;
  }

  /** The run in flight for `key`, if any. */
  get(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }
}
