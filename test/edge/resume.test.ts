import { describe, expect, it } from "vitest";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge();

describe("resume by cursor", () => {
  it("a device that reconnects with its last cursor gets exactly what it missed, across conversations", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const withAlice = await bob.direct(alice.userId);
    const withCarol = await bob.direct(carol.userId);
    let socket = await bob.connect();
    await alice.send(withAlice, "a1", "one");
    const first = await socket.waitForType("message");
    expect(first.cursor).toBe(1);
    await socket.close();
    await alice.send(withAlice, "a2", "two");
    await carol.send(withCarol, "c1", "three");
    await alice.send(withAlice, "a3", "four");
    socket = await bob.connect();
    expect(socket.frames[0]).toMatchObject({ type: "hello", userId: bob.userId, deviceId: "default", cursor: 4, serverTime: expect.any(Number) });
    socket.send({ type: "sync", after: 1 });
    const synced = await socket.waitForType("synced");
    expect(synced).toEqual({ type: "synced", cursor: 4, latest: 4, more: false });
    expect(socket.messages().map((m) => [m.cursor, m.conversationId, m.seq, m.body])).toEqual([
      [2, withAlice, 2, "two"],
      [3, withCarol, 1, "three"],
      [4, withAlice, 3, "four"],
    ]);
  });

  it("sync pages with limit and says whether more remain", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 5; i++) await alice.send(id, `m${i}`, `b${i}`);
    const socket = await bob.connect();
    socket.send({ type: "sync", after: 0, limit: 2 });
    expect(await socket.waitForType("synced")).toEqual({ type: "synced", cursor: 2, latest: 5, more: true });
    socket.send({ type: "sync", after: 2, limit: 2 });
    expect(await socket.waitForType("synced")).toEqual({ type: "synced", cursor: 4, latest: 5, more: true });
    socket.send({ type: "sync", after: 4, limit: 2 });
    expect(await socket.waitForType("synced")).toEqual({ type: "synced", cursor: 5, latest: 5, more: false });
    socket.send({ type: "sync", after: 5 });
    expect(await socket.waitForType("synced")).toEqual({ type: "synced", cursor: 5, latest: 5, more: false });
    expect(socket.messages().map((m) => m.cursor)).toEqual([1, 2, 3, 4, 5]);
  });

  it("gives each message exactly one cursor per user, even when several devices are connected", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [d1, d2] = await Promise.all([bob.connect("d1"), bob.connect("d2")]);
    for (let i = 1; i <= 10; i++) await alice.send(id, `m${i}`, `b${i}`);
    const [f1, f2] = await Promise.all([d1.waitForCount((f) => f.type === "message", 10), d2.waitForCount((f) => f.type === "message", 10)]);
    expect(f1.map((f) => f.cursor)).toEqual(f2.map((f) => f.cursor));
    expect(f1.map((f) => f.cursor)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
