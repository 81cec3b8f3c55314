/**
 * Coalescer (pure, on fake timers): one notification per (user, conversation) and window, carrying what each message
 * came with; a message deleted while a window holds it leaves it, and a window left empty sends nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coalescer, type Notification } from "../../../origin/push/coalescer.js";
import type { MessageEvent } from "../../../protocol/events.js";

/** What the tests let each message carry into a window: where it was read. */
interface Position {
  partition: number;
  offset: string;
}

const WINDOW_MS = 1_000;
const message = (conversationId: string, seq: number): MessageEvent => ({
  kind: "message",
  conversationId,
  seq,
  senderId: "bob",
  clientMsgId: `m${seq}`,
  body: `b${seq}`,
  sentAt: seq,
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("Coalescer", () => {
  it("turns a burst into one notification carrying the newest event and the count, when the window closes", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    c.add("u", message("c", 2), { partition: 0, offset: "1" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
    c.add("u", message("c", 3), { partition: 0, offset: "2" });
    c.add("u", message("c", 1), { partition: 1, offset: "9" });
    c.add("u", message("other", 1), { partition: 0, offset: "3" });
    expect(flushed).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushed.map((n) => [n.conversationId, n.count, n.latest.seq, n.holds.length])).toEqual([["c", 3, 3, 3]]);
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.conversationId, n.count])).toEqual([
      ["c", 3],
      ["other", 1],
    ]);
  });

  it("opens a new window for events after the previous one closed", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    c.add("u", message("c", 2), { partition: 0, offset: "2" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.count, n.latest.seq])).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  it("retries a window whose handling failed, after a backoff", async () => {
    let attempts = 0;
    const c = new Coalescer<Position>(WINDOW_MS, async () => ++attempts > 1);
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toBe(2);
  });

  it("keeps one window per recipient of a message, each counting it, all sharing the message", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    const m = message("group", 4);
    for (const userId of ["u1", "u2", "u3"]) c.add(userId, m, { partition: 2, offset: "40" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.userId, n.conversationId, n.count, n.holds])).toEqual([
      ["u1", "group", 1, [{ partition: 2, offset: "40" }]],
      ["u2", "group", 1, [{ partition: 2, offset: "40" }]],
      ["u3", "group", 1, [{ partition: 2, offset: "40" }]],
    ]);
    expect(flushed.every((n) => n.latest === m)).toBe(true);
  });

  it("retract takes a deleted message out of every window holding it and answers what it came with", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    for (const seq of [1, 2, 3]) {
      c.add("u1", message("c", seq), { partition: 0, offset: String(seq) });
      c.add("u2", message("c", seq), { partition: 0, offset: String(seq) });
    }
    c.add("u1", message("other", 3), { partition: 1, offset: "3" });
    expect(c.retract("c", 3)).toEqual([
      { partition: 0, offset: "3" },
      { partition: 0, offset: "3" },
    ]);
    expect(c.retract("c", 3)).toEqual([]);
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.userId, n.conversationId, n.count, n.latest.seq, n.holds.length])).toEqual([
      ["u1", "c", 2, 2, 2],
      ["u2", "c", 2, 2, 2],
      ["u1", "other", 1, 3, 1],
    ]);
  });

  it("revise shows an edited message's new text in a notification not sent yet", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    c.revise("c", 1, "better words");
    c.revise("c", 9, "no such message");
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.latest.seq, n.latest.body])).toEqual([[1, "better words"]]);
  });

  it("a window left empty by retractions sends nothing", async () => {
    const flushed: Notification<Position>[] = [];
    const c = new Coalescer<Position>(WINDOW_MS, async (n) => (flushed.push(n), true));
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    expect(c.retract("c", 1)).toEqual([{ partition: 0, offset: "1" }]);
    await vi.advanceTimersByTimeAsync(WINDOW_MS * 2);
    expect(flushed).toEqual([]);
    // The next message opens a window of its own.
    c.add("u", message("c", 2), { partition: 0, offset: "2" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(flushed.map((n) => [n.count, n.latest.seq])).toEqual([[1, 2]]);
  });

  it("a window waiting to be retried loses a retracted message too, and is not retried once empty", async () => {
    let attempts = 0;
    const c = new Coalescer<Position>(WINDOW_MS, async () => (++attempts, false));
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(attempts).toBe(1);
    expect(c.retract("c", 1)).toEqual([{ partition: 0, offset: "1" }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toBe(1);
  });

  it("a retraction while a window is being handled keeps a failed attempt from retrying the message", async () => {
    const attempts: Notification<Position>[] = [];
    let fail: (handled: boolean) => void = () => undefined;
    const c = new Coalescer<Position>(
      WINDOW_MS,
      (n) => (attempts.push(n), new Promise<boolean>((resolve) => (fail = resolve))),
    );
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(c.retract("c", 1)).toEqual([{ partition: 0, offset: "1" }]);
    fail(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toHaveLength(1);
  });

  it("drain flushes open windows at once and waits for them", async () => {
    const drained: Notification<Position>[] = [];
    const c = new Coalescer<Position>(60_000, async (n) => (drained.push(n), true));
    c.add("u", message("c", 1), { partition: 0, offset: "1" });
    await c.drain();
    expect(drained).toHaveLength(1);
  });
});
