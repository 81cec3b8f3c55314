/** Limiter (pure): a process-wide bound on tasks in flight, served by key in turn. */
import { describe, expect, it } from "vitest";
import { Limiter } from "../../../origin/shared/limiter.js";

/** A task that records its start and finishes when the test says. */
function gate(started: string[], name: string) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { task: async () => (started.push(name), await opened), open: () => open() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Limiter", () => {
  it("runs at most `limit` tasks at once", async () => {
    const limiter = new Limiter(2);
    const started: string[] = [];
    const gates = ["a", "b", "c"].map((name) => gate(started, name));
    const runs = gates.map((g, i) => limiter.run(`k${i}`, g.task));
    await settle();
    expect(started).toEqual(["a", "b"]);
    gates[0]!.open();
    await settle();
    expect(started).toEqual(["a", "b", "c"]);
    for (const g of gates) g.open();
    await Promise.all(runs);
  });

  it("serves waiting keys in turn: a key with many tasks waiting does not hold a later key back", async () => {
    const limiter = new Limiter(1);
    const started: string[] = [];
    const big = Array.from({ length: 5 }, (_, i) => gate(started, `big-${i}`));
    const small = gate(started, "small-0");
    const runs = [...big.map((g) => limiter.run("big-group", g.task)), limiter.run("small", small.task)];
    for (const g of [...big, small]) {
      await settle();
      g.open();
    }
    await Promise.all(runs);
    expect(started).toEqual(["big-0", "big-1", "small-0", "big-2", "big-3", "big-4"]);
  });

  it("frees the slot of a task that failed", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run("k", async () => "next")).toBe("next");
  });
});
