import { describe, expect, it } from "vitest";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";
import type { Frame } from "../support/socket.js";

const fx = useEdge({ bindings: HIGH_LIMITS });

const seqs = (frames: Frame[]) => frames.map((f) => f.seq as number);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("sequencing and delivery", () => {
  it("seq runs 1..n without gaps under concurrent senders; every device gets each message once (its own as an ack), pushes in seq order", async () => {
    const users = await fx.users("a", "b", "c", "d");
    const id = await users[0]!.group(
      users.slice(1).map((u) => u.userId),
      "race",
    );
    const sockets = await Promise.all(users.map((u) => u.connect()));
    const perSender = 40;
    sockets.forEach((s, k) => {
      for (let i = 0; i < perSender; i++)
        s.send({ type: "send", clientMsgId: `s${k}-${i}`, conversationId: id, body: `${k}:${i}` });
    });
    const total = perSender * users.length;
    const others = total - perSender;
    const pushed = await Promise.all(sockets.map((s) => s.waitForCount((f) => f.type === "message", others, 20_000)));
    const acks = await Promise.all(sockets.map((s) => s.waitForCount((f) => f.type === "ack", perSender)));
    const bodyOf = new Map<number, string>();
    sockets.forEach((_, k) => {
      const pushes = seqs(pushed[k]!);
      expect(pushes).toEqual([...pushes].sort((x, y) => x - y));
      expect([...pushes, ...seqs(acks[k]!)].sort((x, y) => x - y)).toEqual(range(total));
      for (const f of pushed[k]!) {
        expect(bodyOf.get(f.seq) ?? f.body).toBe(f.body);
        bodyOf.set(f.seq, f.body);
      }
    });
    expect(bodyOf.size).toBe(total);
  });

  it("the messages of one device are sequenced in the order that device sent them, many in flight", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    const n = 300;
    for (let i = 0; i < n; i++) socket.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: `n${i}` });
    const acks = await socket.waitForCount((f) => f.type === "ack", n);
    for (const ack of acks) expect(ack.seq).toBe(Number(ack.clientMsgId.slice(1)) + 1);
    const page = await bob.history(id, "?after=0&limit=100");
    expect(page.body.messages.map((m: { body: string }) => m.body)).toEqual(range(100).map((i) => `n${i - 1}`));
  });

  it("a retried send (same clientMsgId) returns the original seq with duplicate: true and stores nothing new", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    socket.send({ type: "send", clientMsgId: "once", conversationId: id, body: "hello" });
    const first = await socket.waitForType("ack");
    socket.send({ type: "send", clientMsgId: "once", conversationId: id, body: "hello" });
    const retry = await socket.waitForType("ack");
    expect(first).toMatchObject({ seq: 1, duplicate: false });
    expect(retry).toMatchObject({
      clientMsgId: "once",
      conversationId: id,
      seq: 1,
      sentAt: first.sentAt,
      duplicate: true,
    });
    const http = await alice.send(id, "once", "hello");
    expect(http).toEqual({ status: 200, body: { seq: 1, sentAt: first.sentAt, duplicate: true } });
    expect((await alice.history(id)).body.messages).toHaveLength(1);
  });

  it("a batch a session sends again after losing the answer gets the original seqs, and a non-member's batch none", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const id = await alice.direct(bob.userId);
    const conversation = await fx.edge.conversation(id);
    const batch = [
      { clientMsgId: "lost-1", body: "one" },
      { clientMsgId: "lost-2", body: "two" },
    ];
    const first = await conversation.send(alice.userId, batch);
    const again = await conversation.send(alice.userId, batch);
    expect(first.ok && first.value.results.map((r) => r.ok && [r.value.seq, r.value.duplicate])).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(again.ok && again.value.results.map((r) => r.ok && [r.value.seq, r.value.duplicate])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await conversation.send(mallory.userId, batch)).toEqual({
      ok: false,
      error: { code: "forbidden", message: "not a member of this conversation" },
    });
    expect((await alice.history(id)).body.messages).toHaveLength(2);
  });

  it("HTTP send answers 201 with the seq; a retry answers 200 with the same seq", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const first = await alice.send(id, "h1", "via http");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ seq: 1, duplicate: false });
    const retry = await alice.send(id, "h1", "via http");
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...first.body, duplicate: true });
  });

  it("every device of every member gets the message: the sending device as its ack, the others as a message", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [phone, laptop, bob1, bob2] = await Promise.all([
      alice.connect("phone"),
      alice.connect("laptop"),
      bob.connect("phone"),
      bob.connect("tablet"),
    ]);
    phone.send({ type: "send", clientMsgId: "x", conversationId: id, body: "to all" });
    expect(await phone.waitForType("ack")).toMatchObject({
      conversationId: id,
      seq: 1,
      clientMsgId: "x",
      duplicate: false,
    });
    for (const s of [laptop, bob1, bob2]) {
      expect(await s.waitForType("message")).toEqual({
        type: "message",
        conversationId: id,
        seq: 1,
        senderId: alice.userId,
        clientMsgId: "x",
        body: "to all",
        sentAt: expect.any(Number),
      });
    }
    expect(phone.messages()).toEqual([]);
  });

  it("a device reconnecting with the same device id replaces its old socket", async () => {
    const [alice] = await fx.users("alice");
    const old = await alice.connect("phone");
    await alice.connect("phone");
    await expect.poll(() => old.closeCode, { timeout: 3000 }).toBe(4001);
  });
});

describe("history", () => {
  it("pages by before/after/limit in ascending order with hasMore", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    for (let i = 1; i <= 120; i++)
      socket.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: `b${i}` });
    await socket.waitForCount((f) => f.type === "ack", 120);
    const bodies = (r: { body: { messages: { seq: number }[] } }) => r.body.messages.map((m) => m.seq);
    const newest = await bob.history(id);
    expect(bodies(newest)).toEqual(range(50).map((i) => i + 70));
    expect(newest.body.hasMore).toBe(true);
    const older = await bob.history(id, "?before=71&limit=100");
    expect(bodies(older)).toEqual(range(70));
    expect(older.body.hasMore).toBe(false);
    const after = await bob.history(id, "?after=100&limit=10");
    expect(bodies(after)).toEqual(range(10).map((i) => i + 100));
    expect(after.body.hasMore).toBe(true);
    expect(newest.body.messages[0]).toEqual({
      conversationId: id,
      seq: 71,
      senderId: alice.userId,
      clientMsgId: "m71",
      body: "b71",
      sentAt: expect.any(Number),
    });
    for (const q of ["?limit=0", "?limit=101", "?before=x", "?before=1&after=2", "?after=-1"]) {
      expect((await bob.history(id, q)).status).toBe(400);
    }
  });
});
