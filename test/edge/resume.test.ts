import { describe, expect, it } from "vitest";
import type { MeterLine } from "../../durable-objects/shared/meter-line.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const fx = useEdge();

describe("resume: a device that comes back asks what changed and fetches what it missed", () => {
  it("lists the conversations that moved and fetches exactly what it missed, across conversations", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const withAlice = await bob.direct(alice.userId);
    const withCarol = await bob.direct(carol.userId);
    let socket = await bob.connect();
    await alice.send(withAlice, "a1", "one");
    expect(await socket.waitForType("message")).toMatchObject({ conversationId: withAlice, seq: 1 });
    const { at } = await socket.sync();
    await socket.close();
    await alice.send(withAlice, "a2", "two");
    await carol.send(withCarol, "c1", "three");
    await alice.send(withAlice, "a3", "four");
    socket = await bob.connect();
    expect(socket.frames[0]).toEqual({
      type: "hello",
      protocol: 2,
      userId: bob.userId,
      deviceId: "default",
      serverTime: expect.any(Number),
      heartbeatMs: 0,
      editWindowMs: 15 * 60_000,
    });
    const { conversations } = await socket.sync(at);
    expect(conversations.map((c) => [c.id, c.lastSeq]).sort()).toEqual(
      [
        [withAlice, 3],
        [withCarol, 1],
      ].sort(),
    );
    await socket.fetchAll(withAlice, 1);
    await socket.fetchAll(withCarol, 0);
    expect(socket.messages().map((m) => [m.conversationId, m.seq, m.body])).toEqual([
      [withAlice, 2, "two"],
      [withAlice, 3, "four"],
      [withCarol, 1, "three"],
    ]);
  });

  it("a sync since a time lists only what changed since then; without one, everything", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const quiet = await bob.direct(carol.userId);
    const busy = await bob.direct(alice.userId);
    const socket = await bob.connect();
    const { at } = await socket.sync();
    await alice.send(busy, "b1", "news");
    await socket.waitForType("message");
    expect((await socket.sync(at)).conversations.map((c) => c.id)).toEqual([busy]);
    expect((await socket.sync()).conversations.map((c) => c.id).sort()).toEqual([busy, quiet].sort());
  });

  it("fetch pages with limit and says whether more remain", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 5; i++) await alice.send(id, `m${i}`, `b${i}`);
    const socket = await bob.connect();
    const pages = await socket.fetchAll(id, 0, 2);
    expect(pages.map((p) => [p.after, p.through, p.lastSeq, p.more])).toEqual([
      [0, 2, 5, true],
      [2, 4, 5, true],
      [4, 5, 5, false],
    ]);
    socket.send({ type: "fetch", conversationId: id, after: 5 });
    expect(await socket.waitForType("fetched")).toEqual({
      type: "fetched",
      conversationId: id,
      after: 5,
      through: 5,
      lastSeq: 5,
      more: false,
    });
    expect(socket.messages().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a device that was away while another device of the user stayed online fetches what it missed", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const phone = await bob.connect("phone");
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `b${i}`);
    await phone.waitForCount((f) => f.type === "message", 3);
    const laptop = await bob.connect("laptop");
    const { conversations } = await laptop.sync();
    expect(conversations.find((c) => c.id === id)).toMatchObject({ lastSeq: 3 });
    await laptop.fetchAll(id, 0);
    expect(laptop.messages().map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});

describe("resync: a device behind what the edge keeps starts over, never skips silently", () => {
  const fx = useEdge({
    bindings: { ...HIGH_LIMITS, HISTORY_KEEP_WITHOUT_ORIGIN: "100", HISTORY_MIN_AGE_MS: "1", SAFETY_ALARM_MS: "300" },
  });

  it("answers a fetch from before the oldest kept message with resync", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    // In bursts of 25: a burst lands in one generation of the log, and only whole generations are dropped.
    for (let i = 1; i <= 250; i++) {
      socket.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: `b${i}` });
      if (i % 25 === 0) await socket.waitForCount((f) => f.type === "ack", i);
    }
    const reader = await bob.connect();
    await expect
      .poll(
        async () => {
          reader.send({ type: "fetch", conversationId: id, after: 0, limit: 1 });
          return (await reader.waitForType("fetched")).resync;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    reader.send({ type: "fetch", conversationId: id, after: 240 });
    expect(await reader.waitForType("fetched")).toMatchObject({ after: 240, through: 250, lastSeq: 250, more: false });
  });
});

describe("a wake asks again only what moved since the last save", () => {
  const lines: MeterLine[] = [];
  const metered = useEdge({
    bindings: { ...HIGH_LIMITS, METER: "log" },
    onStdout: (l) => l.startsWith('{"meter":') && lines.push((JSON.parse(l) as { meter: MeterLine }).meter),
  });
  const attaches = () => lines.filter((l) => l.class === "Conversation" && l.entry === "rpc:attach").length;

  it("saves what a sync learned from 12 conversations in one row; after a restart the next sync asks none", async () => {
    const [dana, ...others] = await metered.users("dana", ...Array.from({ length: 12 }, (_, i) => `peer${i}`));
    const ids = await Promise.all(others.map((o) => o.direct(dana.userId)));
    // News in every conversation while dana has no device: each stops pushing to her session.
    await Promise.all(others.map((o, i) => o.send(ids[i]!, "m1", "while away")));
    lines.length = 0;
    let socket = await dana.connect();
    const { conversations } = await socket.sync();
    expect(conversations.filter((c) => c.lastSeq === 1)).toHaveLength(12);
    expect(attaches()).toBeGreaterThan(0);
    const written = lines.filter((l) => l.class === "UserSession").reduce((n, l) => n + l.rowsWritten, 0);
    expect(written).toBeLessThanOrEqual(3);
    await socket.close();
    await metered.edge.restart();
    lines.length = 0;
    socket = await dana.connect();
    const again = await socket.sync();
    expect(again.conversations.filter((c) => c.lastSeq === 1)).toHaveLength(12);
    expect(attaches()).toBe(0);
  });
});
