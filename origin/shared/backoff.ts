/** Exponential backoff with full jitter, so consumers that failed together do not retry together. */
export interface Backoff {
  /** The delay before the next attempt; grows with every call until `reset`. */
  next(): number;
  reset(): void;
}

export function exponentialBackoff(initialMs = 100, maxMs = 5_000): Backoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
      attempt += 1;
      return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    },
    reset() {
      attempt = 0;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
