/** GroupCommit (pure, on fake timers): concurrent submissions share writes, and each learns its own write's fate. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GroupCommit } from "../../../origin/shared/group-commit.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A writer whose writes finish when the test says: `writes[i].finish()` or `.fail(error)`. */
function manualWriter() {
  const writes: { items: string[]; finish(): void; fail(error: Error): void }[] = [];
  const write = (items: string[]) =>
    new Promise<void>((resolve, reject) => writes.push({ items, finish: resolve, fail: reject }));
  return { writes, write };
}

const settled = async (p: Promise<void>) =>
  p.then(
    () => "ok",
    (e: Error) => e.message,
  );

describe("GroupCommit", () => {
  it("writes what was submitted during a write as one next write, in submission order", async () => {
    const { writes, write } = manualWriter();
    const commit = new GroupCommit({ write, weigh: () => 1, maxWeight: 100, timeoutMs: 10_000, what: "test write" });
    const first = settled(commit.submit(["a1"]));
    const second = settled(commit.submit(["b1", "b2"]));
    const third = settled(commit.submit(["c1"]));
    expect(writes.map((w) => w.items)).toEqual([["a1"]]);
    writes[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.items)).toEqual([["a1"], ["b1", "b2", "c1"]]);
    expect(await first).toBe("ok");
    writes[1]!.finish();
    expect([await second, await third]).toEqual(["ok", "ok"]);
  });

  it("fails exactly the submissions a failed write carried; the next ones are written", async () => {
    const { writes, write } = manualWriter();
    const commit = new GroupCommit({ write, weigh: () => 1, maxWeight: 100, timeoutMs: 10_000, what: "test write" });
    const first = settled(commit.submit(["a"]));
    const second = settled(commit.submit(["b"]));
    writes[0]!.fail(new Error("broker gone"));
    expect(await first).toBe("broker gone");
    await vi.advanceTimersByTimeAsync(0);
    writes[1]!.finish();
    expect(await second).toBe("ok");
  });

  it("keeps each write within maxWeight, unless one submission alone is heavier", async () => {
    const { writes, write } = manualWriter();
    const commit = new GroupCommit({
      write,
      weigh: (s: string) => s.length,
      maxWeight: 4,
      timeoutMs: 10_000,
      what: "test write",
    });
    const all = [
      commit.submit(["x"]),
      commit.submit(["aa", "bb"]),
      commit.submit(["cc"]),
      commit.submit(["dddddd"]),
      commit.submit(["e"]),
    ];
    for (let i = 0; i < 4; i++) {
      writes[i]!.finish();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(writes.map((w) => w.items)).toEqual([["x"], ["aa", "bb"], ["cc"], ["dddddd"], ["e"]]);
    writes[4]!.finish();
    await Promise.all(all);
  });

  it("fails a submission that waited longer than timeoutMs, and never writes it if it was still queued", async () => {
    const { writes, write } = manualWriter();
    const commit = new GroupCommit({ write, weigh: () => 1, maxWeight: 100, timeoutMs: 1_000, what: "test write" });
    const stuck = settled(commit.submit(["a"]));
    const queued = settled(commit.submit(["b"]));
    await vi.advanceTimersByTimeAsync(1_000);
    expect([await stuck, await queued]).toEqual([
      "test write timed out after 1000 ms",
      "test write timed out after 1000 ms",
    ]);
    writes[0]!.finish();
    const later = settled(commit.submit(["c"]));
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.items)).toEqual([["a"], ["c"]]);
    writes[1]!.finish();
    expect(await later).toBe("ok");
  });
});
