/** The stall a cluster run reports: the longest stretch with work waiting and no progress, nothing else. */
import { describe, expect, it } from "vitest";
import { Stall } from "../../bench/chaos/pipeline-watch.js";

function longest(samples: [at: number, progress: number, waiting: boolean][]): number {
  const stall = new Stall();
  for (const [at, progress, waiting] of samples) stall.sample(at, progress, waiting);
  return stall.longestMs;
}

describe("Stall", () => {
  it("is the longest stretch with work waiting while the counter stood still", () => {
    expect(
      longest([
        [0, 0, true],
        [100, 1, true],
        [200, 1, true],
        [900, 1, true],
        [1000, 2, true],
        [1100, 3, true],
      ]),
    ).toBe(900);
  });

  it("does not count time without work, however long the counter stands still", () => {
    expect(
      longest([
        [0, 5, false],
        [5000, 5, false],
        [5100, 5, true],
        [5300, 6, false],
      ]),
    ).toBe(200);
  });

  it("counts a stall that lasts until the last sample", () => {
    expect(
      longest([
        [0, 1, true],
        [100, 2, true],
        [3100, 2, true],
      ]),
    ).toBe(3000);
  });
});
