/**
 * Group commit: concurrent submissions are written together. One write is in flight at a time; whatever is
 * submitted meanwhile waits and goes into the next write, in submission order, up to `maxWeight` per write (a
 * submission heavier than that is written alone). Each submission settles with the write that carried it.
 *
 * Why: the idempotent kafkajs producer sends one request at a time per broker (its `acquireBrokerLock`), so
 * concurrent ingest calls each sending their own request queue up behind each other and the rate is one batch
 * per round trip. Writing what queued during the last round trip as one request makes the request grow with the
 * load instead (docs/benchmarks.md, `origin`).
 *
 * A submission fails after `timeoutMs` however long it queued; if it was still queued it is never written, if its
 * write was in flight the write may still land (callers retry, and every origin write is a keyed upsert).
 */
export interface GroupCommitOptions<T> {
  write(items: T[]): Promise<void>;
  weigh(item: T): number;
  maxWeight: number;
  timeoutMs: number;
  what: string;
}

interface Submission<T> {
  items: readonly T[];
  weight: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommit<T> {
  private queue: Submission<T>[] = [];
  private writing = false;

  constructor(private readonly options: GroupCommitOptions<T>) {}

  submit(items: readonly T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((s) => s !== submission);
        reject(new Error(`${this.options.what} timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const settle =
        <A extends unknown[]>(then: (...args: A) => void) =>
        (...args: A) => {
          clearTimeout(timer);
          then(...args);
        };
      const weight = items.reduce((n, item) => n + this.options.weigh(item), 0);
      const submission: Submission<T> = { items, weight, resolve: settle(resolve), reject: settle(reject) };
      this.queue.push(submission);
      if (!this.writing) this.drain().catch(reject);
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.next();
      try {
        await this.options.write(group.flatMap((s) => s.items));
        for (const s of group) s.resolve();
      } catch (error) {
        for (const s of group) s.reject(error);
      }
    }
    this.writing = false;
  }

  /** The oldest submissions whose weights fit in one write (at least one). */
  private next(): Submission<T>[] {
    let weight = this.queue[0]!.weight;
    let count = 1;
    while (count < this.queue.length && weight + this.queue[count]!.weight <= this.options.maxWeight)
      weight += this.queue[count++]!.weight;
    return this.queue.splice(0, count);
  }
}
