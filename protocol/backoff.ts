/**
 * Exponential backoff, the one implementation every retry loop of the system uses: the edge's alarm retries (pushes
 * to sessions, forwarding to origin), the client's reconnects, and the origin's setup, consumers and push windows.
 * The n-th delay in a row is `initialMs × 2^(n−1)`, capped at `maxMs`, then
 * spread by jitter so that peers which failed together do not retry together.
 */
export interface Backoff {
  /** The delay before the next attempt (ms); grows with every call until `reset`. */
  next(): number;
  /** The last attempt succeeded: the next delay starts over at `initialMs`. */
  reset(): void;
}

/** A delay is its capped ceiling times a factor drawn uniformly from [min, max]. */
export interface Jitter {
  min: number;
  max: number;
}

/** Between half the ceiling and the ceiling: never less than half, so a retry never comes back at once. */
export const EQUAL_JITTER: Jitter = { min: 0.5, max: 1 };

/** Within ±`fraction` of the ceiling. */
export function spread(fraction: number): Jitter {
  return { min: 1 - fraction, max: 1 + fraction };
}

export function exponentialBackoff(
  initialMs = 100,
  maxMs = 5_000,
  jitter: Jitter = EQUAL_JITTER,
  random: () => number = Math.random,
): Backoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
      attempt += 1;
      return Math.round(ceiling * (jitter.min + random() * (jitter.max - jitter.min)));
    },
    reset() {
      attempt = 0;
    },
  };
}
