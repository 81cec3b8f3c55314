import { describe, expect, it } from "vitest";
import { EQUAL_JITTER, exponentialBackoff, spread } from "../../protocol/backoff.js";

const fixed = (r: number) => () => r;

describe("exponentialBackoff", () => {
  it("doubles from the first delay up to the cap, and starts over after a reset", () => {
    const backoff = exponentialBackoff(100, 1_000, { min: 1, max: 1 });
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it("spreads each delay within its jitter, the cap applying before it", () => {
    const low = exponentialBackoff(1_000, 4_000, spread(0.25), fixed(0));
    const high = exponentialBackoff(1_000, 4_000, spread(0.25), fixed(1));
    expect([low.next(), low.next(), low.next(), low.next()]).toEqual([750, 1_500, 3_000, 3_000]);
    expect([high.next(), high.next(), high.next(), high.next()]).toEqual([1_250, 2_500, 5_000, 5_000]);
  });

  it("never comes back sooner than half the ceiling with equal jitter", () => {
    const backoff = exponentialBackoff(200, 10_000, EQUAL_JITTER, fixed(0));
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });
});
