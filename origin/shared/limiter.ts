/**
 * At most `limit` tasks run at once, across every caller sharing the limiter; the others wait their turn in the order
 * they came. Unlike `mapLimit` (one list), this bounds a whole process: the push service's sends for every
 * notification at once.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
    // A finishing task hands its slot straight to the next waiter, so `running` counts it already.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
