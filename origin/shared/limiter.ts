/**
 * At most `limit` tasks run at once, across every caller sharing the limiter. Waiting tasks are served by key in
 * turn (round robin), oldest first within a key: a key with a thousand tasks waiting takes one slot in each round,
 * not the next thousand. The push service keys by conversation, so one big group's notifications do not hold every
 * other conversation's back. Unlike `mapLimit` (one list), this bounds a whole process.
 */
export class Limiter {
  private running = 0;
  /** Waiters by key; the map's order is the round's: a key just served goes to the back. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
    // A finishing task hands its slot straight to the next waiter, so `running` counts it already.
    else await new Promise<void>((resolve) => this.enqueue(key, resolve));
    try {
      return await task();
    } finally {
      const next = this.next();
      if (next) next();
      else this.running -= 1;
    }
  }

  private enqueue(key: string, resume: () => void): void {
    const queue = this.waiting.get(key);
    if (queue) queue.push(resume);
    else this.waiting.set(key, [resume]);
  }

  /** The oldest waiter of the key whose turn it is. */
  private next(): (() => void) | undefined {
    const turn = this.waiting.entries().next();
    if (turn.done) return undefined;
    const [key, queue] = turn.value;
    const resume = queue.shift()!;
    this.waiting.delete(key);
    if (queue.length > 0) this.waiting.set(key, queue);
    return resume;
  }
}
