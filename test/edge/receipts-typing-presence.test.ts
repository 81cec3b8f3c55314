import { describe, expect, it } from "vitest";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge();

describe("receipts", () => {
  it("read moves a watermark forward only; the sender's devices get the receipt, the reader's other devices too", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `b${i}`);
    const [aliceSocket, bobPhone, bobLaptop] = await Promise.all([
      alice.connect(),
      bob.connect("phone"),
      bob.connect("laptop"),
    ]);
    bobPhone.send({ type: "read", conversationId: id, seq: 2 });
    expect(await aliceSocket.waitForType("receipt")).toEqual({
      type: "receipt",
      conversationId: id,
      userId: bob.userId,
      deliveredSeq: 2,
      readSeq: 2,
    });
    expect(await bobLaptop.waitForType("receipt")).toEqual({
      type: "receipt",
      conversationId: id,
      userId: bob.userId,
      readSeq: 2,
    });
    bobPhone.send({ type: "read", conversationId: id, seq: 1 });
    bobPhone.send({ type: "read", conversationId: id, seq: 99 });
    expect(await aliceSocket.waitForType("receipt")).toMatchObject({ readSeq: 3 });
    const detail = await alice.call("GET", `/v1/conversations/${id}`);
    expect(detail.body.readSeqs).toEqual({ [alice.userId]: 3, [bob.userId]: 3 });
  });

  it("a delivery to a connected device is the sender's delivered receipt: in a direct conversation the ack says so", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [phone, laptop, bobSocket] = await Promise.all([
      alice.connect("phone"),
      alice.connect("laptop"),
      bob.connect(),
    ]);
    phone.send({ type: "send", clientMsgId: "m1", conversationId: id, body: "did you get it?" });
    expect(await phone.waitForType("ack")).toMatchObject({ seq: 1, deliveredSeq: 1, readSeq: 0 });
    expect(await bobSocket.waitForType("message")).toMatchObject({ seq: 1 });
    expect(await laptop.waitForType("receipt")).toEqual({
      type: "receipt",
      conversationId: id,
      userId: bob.userId,
      deliveredSeq: 1,
      readSeq: 0,
    });
  });

  it("what arrives in the conversation a device shows (focus) is read, and the ack says so; leaving it stops that", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [aliceSocket, bobSocket] = await Promise.all([alice.connect(), bob.connect()]);
    bobSocket.send({ type: "focus", conversationId: id });
    await bobSocket.sync(); // frames of a socket are handled in order: the focus is set once the sync is answered
    aliceSocket.send({ type: "send", clientMsgId: "m1", conversationId: id, body: "seen?" });
    expect(await aliceSocket.waitForType("ack")).toMatchObject({ seq: 1, deliveredSeq: 1, readSeq: 1 });
    bobSocket.send({ type: "focus", conversationId: null });
    await bobSocket.sync();
    aliceSocket.send({ type: "send", clientMsgId: "m2", conversationId: id, body: "and now?" });
    expect(await aliceSocket.waitForType("ack")).toMatchObject({ seq: 2, deliveredSeq: 2, readSeq: 1 });
    bobSocket.send({ type: "focus", conversationId: id });
    expect(await aliceSocket.waitForType("receipt", (f) => f.readSeq === 2)).toEqual({
      type: "receipt",
      conversationId: id,
      userId: bob.userId,
      readSeq: 2,
    });
  });

  it("in a group, the sender hears once every other member has its message, then once every other member read it", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "ticks");
    const [a, b, c] = await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    await Promise.all([b.sync(), c.sync()]);
    b.send({ type: "focus", conversationId: id });
    a.send({ type: "send", clientMsgId: "g1", conversationId: id, body: "all of you" });
    await a.waitForType("ack");
    expect(await a.waitForType("receipt")).toEqual({ type: "receipt", conversationId: id, deliveredSeq: 1 });
    c.send({ type: "read", conversationId: id, seq: 1 });
    expect(await a.waitForType("receipt")).toEqual({ type: "receipt", conversationId: id, readSeq: 1 });
    const detail = await alice.call("GET", `/v1/conversations/${id}`);
    expect(detail.body).toMatchObject({
      readSeqs: { [bob.userId]: 1, [carol.userId]: 1 },
      deliveredSeqs: { [bob.userId]: 1, [carol.userId]: 1 },
    });
  });

  it("a group sender who keeps sending sees its earlier messages ticked on the way, and its last one at the end", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "busy");
    const [a, b, c] = await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    await Promise.all([b.sync(), c.sync()]);
    for (let i = 1; i <= 20; i++) {
      a.send({ type: "send", clientMsgId: `g${i}`, conversationId: id, body: `msg ${i}` });
      await a.waitForType("ack", (f) => f.clientMsgId === `g${i}`);
    }
    const last = await a.waitForType("receipt", (f) => f.deliveredSeq === 20, 10_000);
    expect(last).toEqual({ type: "receipt", conversationId: id, deliveredSeq: 20 });
    const delivered = a.frames
      .filter((f) => f.type === "receipt" && f.deliveredSeq !== undefined)
      .map((f) => f.deliveredSeq as number);
    expect(delivered).toEqual([...delivered].sort((x, y) => x - y));
    expect(delivered.length).toBeGreaterThan(1);
  });
});

describe("typing", () => {
  it("reaches the other members' devices, is never stored or replayed", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "t");
    const [a, b, c] = await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    a.send({ type: "typing", conversationId: id });
    expect(await b.waitForType("typing")).toEqual({ type: "typing", conversationId: id, userId: alice.userId });
    expect(await c.waitForType("typing")).toEqual({ type: "typing", conversationId: id, userId: alice.userId });
    b.send({ type: "sync", after: 0 });
    await b.waitForType("synced");
    expect(b.messages()).toEqual([]);
    expect(a.frames.filter((f) => f.type === "typing")).toEqual([]);
  });
});

describe("presence", () => {
  it("is online while a device is connected and reports lastSeen after it leaves", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    await alice.group([bob.userId, carol.userId], "contacts");
    const before = await alice.call("GET", `/v1/presence?users=${bob.userId},${carol.userId}`);
    expect(before.body).toEqual({
      presence: { [bob.userId]: { online: false, lastSeen: null }, [carol.userId]: { online: false, lastSeen: null } },
    });
    const socket = await bob.connect();
    const during = await alice.call("GET", `/v1/presence?users=${bob.userId}`);
    expect(during.body.presence[bob.userId]).toMatchObject({ online: true, lastSeen: expect.any(Number) });
    const closedAt = Date.now();
    await socket.close();
    await expect
      .poll(async () => (await alice.call("GET", `/v1/presence?users=${bob.userId}`)).body.presence[bob.userId].online)
      .toBe(false);
    const after = await alice.call("GET", `/v1/presence?users=${bob.userId}`);
    expect(after.body.presence[bob.userId].lastSeen).toBeGreaterThanOrEqual(closedAt - 1000);
  });

  it("answers ping with pong (the runtime's auto-response)", async () => {
    const [alice] = await fx.users("alice");
    const socket = await alice.connect();
    socket.send('{"type":"ping"}');
    expect(await socket.waitForType("pong")).toEqual({ type: "pong" });
  });
});

describe("push subscriptions without an origin", () => {
  it("are accepted (and rate-limited), though nothing sends push without an origin", async () => {
    const [alice] = await fx.users("alice");
    const reply = await alice.call("POST", "/v1/push/subscriptions", {
      endpoint: "https://fcm.googleapis.com/fcm/send/abc",
      keys: { p256dh: "BPk", auth: "xyz" },
    });
    expect(reply.status).toBe(201);
  });
});
