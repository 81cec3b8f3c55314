/**
 * The conversation's log in generations (conversation/message-log.ts) on a real Durable Object's SQLite: messages go
 * into tables of consecutive seqs, reads page across them in order, and retention drops whole generations only once
 * all of a generation may go.
 */
import { describe, expect, it } from "vitest";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();
/** A generation holds 4 messages and, to give way to the next, spans an eighth of the window: 1 s. */
const LOG = { generationSize: 4, rememberMs: 8_000 };
const T0 = 1_700_000_000_000;
const FAR = T0 + 10 * LOG.rememberMs;

/** A log of `n` messages, one a second: generations [1..4], [5..8], [9..]. */
async function logOf(n: number) {
  const object = await host.object();
  const log = await object.open("messageLog", LOG);
  for (let seq = 1; seq <= n; seq++)
    await log.insert(seq % 2 ? "alice" : "bob", [{ clientMsgId: `m${seq}`, body: `b${seq}` }], T0 + (seq - 1) * 1_000);
  return { object, log };
}

const seqs = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.seq));

describe("message log: generations", () => {
  it("pages forward and back across generations, in seq order", async () => {
    const { log } = await logOf(10);
    expect(seqs(await log.after(0, 20))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqs(await log.after(3, 4))).toEqual([4, 5, 6, 7]);
    expect(seqs(await log.before(11, 3))).toEqual([8, 9, 10]);
    expect(seqs(await log.before(6, 3))).toEqual([3, 4, 5]);
  });

  it("is found again by a fresh instance: its generations, its last seq, and what was sent when", async () => {
    const { object } = await logOf(10);
    const restarted = await object.open("messageLog", LOG);
    expect(await restarted.lastSeq()).toBe(10);
    expect(await restarted.sentBefore("bob", "m6", T0 + 10_000)).toEqual({ seq: 6, sentAt: T0 + 5_000 });
    expect(await restarted.drop(10, FAR, 10)).toBe(8);
    expect(await restarted.oldestKept()).toBe(9);
  });
});

describe("message log: retention drops whole generations", () => {
  it("drops a generation only when all of it is at or below `through`; the newest always stays", async () => {
    const { log } = await logOf(10);
    expect(await log.drop(6, FAR, 10)).toBe(4);
    expect(await log.oldestKept()).toBe(5);
    expect(await log.drop(100, FAR, 10)).toBe(4);
    expect(await log.oldestKept()).toBe(9);
    expect(seqs(await log.after(0, 20))).toEqual([9, 10]);
  });

  it("keeps a generation whose newest message is younger than `olderThan` (the idempotency window)", async () => {
    const { log } = await logOf(10);
    expect(await log.drop(100, T0 + 3_000, 10)).toBe(0);
    expect(await log.drop(100, T0 + 3_001, 10)).toBe(4);
  });

  it("drops at most `max` generations at a time", async () => {
    const { log } = await logOf(12);
    expect(await log.drop(100, FAR, 1)).toBe(4);
    expect(await log.oldestKept()).toBe(5);
  });

  it("does not recognise a retry of a message it dropped: that retry is a new message", async () => {
    const { log } = await logOf(10);
    expect(await log.sentBefore("alice", "m1", T0 + 10_000)).toEqual({ seq: 1, sentAt: T0 });
    await log.drop(100, FAR, 10);
    expect(await log.sentBefore("alice", "m1", T0 + 10_000)).toBeNull();
  });
});
