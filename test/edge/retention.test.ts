import { describe, expect, it } from "vitest";
import type { MeterLine } from "../../durable-objects/shared/meter-line.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";
import type { TestSocket } from "../support/socket.js";

const lines: MeterLine[] = [];
const meter = (l: string) => l.startsWith('{"meter":') && lines.push((JSON.parse(l) as { meter: MeterLine }).meter);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sendMany(socket: TestSocket, id: string, prefix: string, n: number, from = 1): Promise<void> {
  const before = socket.frames.filter((f) => f.type === "ack").length;
  for (let i = from; i < from + n; i++)
    socket.send({ type: "send", clientMsgId: `${prefix}${i}`, conversationId: id, body: `${prefix} ${i}` });
  await socket.waitForCount((f) => f.type === "ack", before + n);
}

describe("the log in generations: a retry is recognised in an older one", () => {
  // Keeps 200 messages (the least it may) in generations of 50 that span at least 10 s / 8; remembers for 10 s.
  const fx = useEdge({ bindings: { ...HIGH_LIMITS, HISTORY_KEEP_WITHOUT_ORIGIN: "200", HISTORY_MIN_AGE_MS: "10000" } });

  it("recognises a retry in an older generation, and pages across generations in order", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    await sendMany(socket, id, "m", 60);
    await sleep(1_300);
    await sendMany(socket, id, "m", 60, 61);
    // A retry of the first message (generation 1) next to a new one: the retry keeps its seq, the new one is next.
    socket.send({ type: "send", clientMsgId: "m1", conversationId: id, body: "m 1" });
    socket.send({ type: "send", clientMsgId: "new", conversationId: id, body: "new" });
    const acks = await socket.waitForCount((f) => f.type === "ack", 122);
    expect(acks.slice(120).map((a) => [a.clientMsgId, a.seq, a.duplicate])).toEqual([
      ["m1", 1, true],
      ["new", 121, false],
    ]);
    expect((await alice.send(id, "m60", "m 60")).body).toMatchObject({ seq: 60, duplicate: true });
    const reader = await bob.connect();
    await reader.fetchAll(id, 0, 100);
    expect(reader.messages(id).map((m) => m.seq)).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
    const page = await bob.history(id, "?before=105&limit=60");
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 45));
  });

  it("starts where it was after a restart, with its generations", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    let socket = await alice.connect();
    await sendMany(socket, id, "m", 60);
    await sleep(1_300);
    await sendMany(socket, id, "m", 15, 61);
    await fx.edge.restart();
    socket = await alice.connect();
    socket.send({ type: "send", clientMsgId: "m10", conversationId: id, body: "m 10" });
    socket.send({ type: "send", clientMsgId: "after", conversationId: id, body: "after" });
    const acks = await socket.waitForCount((f) => f.type === "ack", 2);
    expect(acks.map((a) => [a.clientMsgId, a.seq, a.duplicate])).toEqual([
      ["m10", 10, true],
      ["after", 76, false],
    ]);
  });
});

describe("the log in generations: retention drops whole tables of messages", () => {
  // Keeps 200 messages in generations of about 50; anything older than 1 ms may go.
  const fx = useEdge({
    bindings: {
      ...HIGH_LIMITS,
      HISTORY_KEEP_WITHOUT_ORIGIN: "200",
      HISTORY_MIN_AGE_MS: "1",
      SAFETY_ALARM_MS: "300",
      METER: "log",
    },
    onStdout: meter,
  });

  it("prunes by dropping generations: no row written per pruned message, a device behind it resyncs", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    lines.length = 0;
    // In bursts of 25: a burst lands in one generation, so a busy machine's bigger batches would make bigger ones.
    for (let from = 1; from <= 400; from += 25) await sendMany(socket, id, "m", 25, from);
    const reader = await bob.connect();
    // Keeping 200 of 400 drops whole generations up to seq 200 at most.
    await expect
      .poll(
        async () => {
          reader.send({ type: "fetch", conversationId: id, after: 100, limit: 1 });
          return (await reader.waitForType("fetched")).resync;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    reader.send({ type: "fetch", conversationId: id, after: 200, limit: 10 });
    expect(await reader.waitForType("fetched")).toMatchObject({ after: 200, through: 210, more: true });
    const alarms = lines.filter((l) => l.class === "Conversation" && l.entry === "alarm");
    const written = alarms.reduce((sum, l) => sum + l.rowsWritten, 0);
    // Over a hundred messages went; the alarms wrote their member-state row, not a row per message.
    expect(written).toBeLessThanOrEqual(alarms.length);
  });
});

describe("idempotency without an index: a message is one row written", () => {
  const fx = useEdge({ bindings: { ...HIGH_LIMITS, METER: "log" }, onStdout: meter });

  it("writes one row per message, keeps one seq for a clientMsgId sent twice in a burst, and recognises a retry after a crash", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    let socket = await alice.connect();
    await sendMany(socket, id, "warm", 1);
    lines.length = 0;
    for (const clientMsgId of ["a", "b", "a", "c"])
      socket.send({ type: "send", clientMsgId, conversationId: id, body: clientMsgId });
    const acks = await socket.waitForCount((f) => f.type === "ack", 5);
    expect(acks.slice(1).map((a) => [a.clientMsgId, a.seq, a.duplicate])).toEqual([
      ["a", 2, false],
      ["b", 3, false],
      ["a", 2, true],
      ["c", 4, false],
    ]);
    const sends = lines.filter((l) => l.class === "Conversation" && l.entry === "rpc:send");
    expect(sends.reduce((sum, l) => sum + l.rowsWritten, 0)).toBe(3);
    await fx.edge.crash();
    socket = await alice.connect();
    socket.send({ type: "send", clientMsgId: "b", conversationId: id, body: "b" });
    socket.send({ type: "send", clientMsgId: "d", conversationId: id, body: "d" });
    const after = await socket.waitForCount((f) => f.type === "ack", 2);
    expect(after.map((a) => [a.clientMsgId, a.seq, a.duplicate])).toEqual([
      ["b", 3, true],
      ["d", 5, false],
    ]);
    expect((await bob.history(id)).body.messages.map((m: { body: string }) => m.body)).toEqual([
      "warm 1",
      "a",
      "b",
      "c",
      "d",
    ]);
  });
});
