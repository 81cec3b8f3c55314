import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatApi, ChatClient } from "../../client/index.js";
import { applyEntry, type Message } from "../../protocol/index.js";
import { droppable } from "../support/droppable.js";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";

const fx = useEdge({ bindings: { ...HIGH_LIMITS, FANOUT_RETRY_MS: "200" } });

function clientOf(
  user: TestUser,
  deviceId = "default",
  resume: { positions?: Record<string, number>; since?: number } = {},
): { client: ChatClient; received: Message[]; drop(): void } {
  const sockets = droppable();
  const client = new ChatClient({
    url: fx.edge.url,
    token: user.token,
    deviceId,
    ...resume,
    WebSocket: sockets.WebSocket,
  });
  const received: Message[] = [];
  client.on("message", (m) => received.push(m));
  return { client, received, drop: sockets.drop };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("ChatClient against the real edge", () => {
  it("hands the app every message once, in order, across dropped sockets", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const a = clientOf(alice);
    const b = clientOf(bob);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      sends.push(a.client.send(id, `msg ${i}`));
      if (i % 15 === 7) b.drop();
    }
    await Promise.all(sends);
    await expect.poll(() => b.received.length, { timeout: 15_000 }).toBe(60);
    expect(b.received.map((m) => m.seq)).toEqual(range(60));
    expect(b.client.position(id)).toBe(60);
    a.client.close();
    b.client.close();
  });

  it("retries unacked sends with the same clientMsgId after a runtime crash: each message stored once", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const a = clientOf(alice);
    await a.client.connect();
    const acks = Array.from({ length: 200 }, (_, i) => a.client.send(id, `m${i}`, `cm-${i}`));
    await fx.edge.crash();
    const results = await Promise.all(acks);
    expect(a.client.unacked).toBe(0);
    expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual(range(200));
    const stored: { clientMsgId: string }[] = [];
    for (let after = 0; after < 200; after += 100)
      stored.push(...(await bob.history(id, `?after=${after}&limit=100`)).body.messages);
    expect(stored.map((m) => m.clientMsgId)).toEqual(range(200).map((i) => `cm-${i - 1}`));
    a.client.close();
  });

  it("resumes from persisted positions in a new client instance, and hands its own sends to the app in order", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const first = clientOf(bob);
    let since = 0;
    first.client.on("synced", (at) => (since = at));
    await first.client.connect();
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `b${i}`);
    await first.client.send(id, "mine");
    await expect.poll(() => first.received.map((m) => m.body)).toEqual(["b1", "b2", "b3", "mine"]);
    first.client.close();
    for (let i = 4; i <= 5; i++) await alice.send(id, `m${i}`, `b${i}`);
    const second = clientOf(bob, "default", { positions: { [id]: first.client.position(id)! }, since });
    await second.client.connect();
    await expect.poll(() => second.received.map((m) => m.body)).toEqual(["b4", "b5"]);
    second.client.close();
  });

  it("sends a message with an uploaded attachment: both devices get the reference as the edge stored it", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const a = clientOf(alice);
    const b = clientOf(bob);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const text = new TextEncoder().encode("minutes of the meeting");
    const uploaded = await new ChatApi(fx.edge.url, alice.token).uploadAttachment(
      id,
      new Blob([text], { type: "text/plain" }),
      "minutes.txt",
    );
    const ack = await a.client.send(id, "", undefined, undefined, [uploaded]);
    expect(ack.attachments).toEqual([uploaded]);
    for (const device of [a, b]) {
      await expect.poll(() => device.received.map((m) => m.attachments)).toEqual([[uploaded]]);
    }
    a.client.close();
    b.client.close();
  });

  it("a new device starts at each conversation's newest message instead of replaying it (reset), then gets what follows", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `old ${i}`);
    const { client, received } = clientOf(bob);
    const resets: { conversationId: string; seq: number }[] = [];
    client.on("reset", (r) => resets.push(r));
    await client.connect();
    await expect.poll(() => resets).toEqual([{ conversationId: id, seq: 3, resync: false }]);
    await alice.send(id, "m4", "new");
    await expect.poll(() => received.map((m) => [m.seq, m.body])).toEqual([[4, "new"]]);
    client.close();
  });

  it("a device far behind is reset past what it missed rather than fetching it all (catchUpLimit)", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 12; i++) await alice.send(id, `m${i}`, `b${i}`);
    const client = new ChatClient({
      url: fx.edge.url,
      token: bob.token,
      positions: { [id]: 1 },
      catchUpLimit: 10,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const resets: { seq: number }[] = [];
    client.on("reset", (r) => resets.push(r));
    await client.connect();
    await expect.poll(() => resets.map((r) => r.seq)).toEqual([12]);
    client.close();
  });

  it("rejects an oversized body locally with too_large, so it never sits in the retry queue", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const { client } = clientOf(alice);
    await client.connect();
    await expect(client.send(id, "x".repeat(5000), "big")).rejects.toMatchObject({
      code: "too_large",
      clientMsgId: "big",
    });
    expect(client.unacked).toBe(0);
    client.close();
  });
});

describe("ChatClient: message actions", () => {
  it("hands every device each action once, in order with the messages, so each ends with the state history shows", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const a = clientOf(alice);
    const a2 = clientOf(alice, "tablet");
    const b = clientOf(bob);
    await Promise.all([a.client.connect(), a2.client.connect(), b.client.connect()]);
    const first = await a.client.send(id, "helo");
    const reply = await b.client.send(id, "hi!", undefined, first.seq);
    expect(reply.replyTo).toEqual({ seq: first.seq, senderId: alice.userId, snippet: "helo" });
    const edit = await a.client.act(id, { kind: "edit", seq: first.seq, body: "hello" });
    expect(edit.action).toMatchObject({ kind: "edit", body: "hello" });
    b.drop();
    const react = await a.client.act(id, { kind: "react", seq: reply.seq, emoji: "🎉", on: true });
    expect(react.action).toMatchObject({ kind: "react", count: 1 });
    await a.client.act(id, { kind: "delete", seq: first.seq });
    await expect(a.client.act(id, { kind: "edit", seq: reply.seq, body: "not mine" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const history = new Map((await new ChatApi(fx.edge.url, bob.token).history(id)).messages.map((m) => [m.seq, m]));
    for (const device of [a, a2, b]) {
      await expect.poll(() => device.received.length, { timeout: 10_000 }).toBe(5);
      expect(device.received.map((m) => m.seq)).toEqual(range(5));
      const held = new Map<number, Message>();
      for (const entry of device.received) applyEntry(held, entry);
      expect(held).toEqual(history);
    }
    const hidden: number[][] = [];
    a2.client.on("hidden", (h) => hidden.push(h.seqs));
    a.client.hide(id, [reply.seq]);
    await expect.poll(() => hidden).toEqual([[reply.seq]]);
    for (const device of [a, a2, b]) device.client.close();
  });
});

describe("ChatClient: invites, changes of groups, mutes and blocks", () => {
  /** A `ws` WebSocket that counts the fetches the client asks for. */
  function countingFetches(): { WebSocket: typeof globalThis.WebSocket; fetches: () => number } {
    let fetches = 0;
    class Counting extends WebSocket {
      override send(data: string): void {
        if ((JSON.parse(data) as { type: string }).type === "fetch") fetches++;
        super.send(data);
      }
    }
    return { WebSocket: Counting as unknown as typeof globalThis.WebSocket, fetches: () => fetches };
  }

  it("an invitee's device gets the invite only; once it accepts, the group's entries from its joining on, once", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const sockets = countingFetches();
    const client = new ChatClient({ url: fx.edge.url, token: bob.token, WebSocket: sockets.WebSocket });
    const received: Message[] = [];
    // Listen before the group exists: the invite can reach the device before the creator's answer reaches the test.
    const states: { id: string; role?: string; active: boolean; lastSeq: number }[] = [];
    client.on("message", (m) => received.push(m));
    client.on("conversation", (c) => states.push(c));
    await client.connect();
    const id = await alice.createGroup([bob.userId], "club");
    await alice.send(id, "m1", "before bob");
    await expect
      .poll(() => states.find((c) => c.id === id))
      .toMatchObject({ role: "invited", active: false, lastSeq: 0 });
    expect(await client.answerInvite(id, true)).toMatchObject({ members: [alice.userId, bob.userId] });
    await alice.send(id, "m2", "welcome");
    await expect
      .poll(() => received.map((m) => [m.seq, m.system?.kind ?? m.body]))
      .toEqual([
        [2, "joined"],
        [3, "welcome"],
      ]);
    expect(client.position(id)).toBe(3);
    // Nothing before the joining is fetched again and again in the hope that it comes.
    const settled = sockets.fetches();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sockets.fetches()).toBe(settled);
    expect(settled).toBeLessThanOrEqual(2);
    client.close();
  });

  it("admins' changes are entries like messages; a mute comes back as the conversation, and messages still arrive", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.group([bob.userId], "before");
    const a = clientOf(alice);
    // Bob's device knows the group from its start: one that did not would start at whatever is newest when it syncs.
    const b = clientOf(bob, "default", { positions: { [id]: 0 } });
    const bobStates: { mutedUntil?: number }[] = [];
    b.client.on("conversation", (c) => c.id === id && bobStates.push(c));
    await Promise.all([a.client.connect(), b.client.connect()]);
    expect((await a.client.changeGroup(id, { title: "after" })).title).toBe("after");
    expect((await a.client.changeMembers(id, { promote: [bob.userId] })).admins).toEqual([alice.userId, bob.userId]);
    const until = Date.now() + 3_600_000;
    expect(await b.client.mute(id, until)).toMatchObject({ id, mutedUntil: until });
    expect(bobStates.at(-1)).toMatchObject({ mutedUntil: until });
    await a.client.send(id, "still here");
    await expect
      .poll(() => b.received.map((m) => m.system ?? m.body))
      .toEqual([{ kind: "renamed", title: "after" }, { kind: "promoted", users: [bob.userId] }, "still here"]);
    expect((await b.client.unmute(id)).mutedUntil).toBeUndefined();
    expect(bobStates.at(-1)?.mutedUntil).toBeUndefined();
    expect((await b.client.leave(id)).members).toEqual([alice.userId]);
    for (const device of [a, b]) device.client.close();
  });

  it("blocks and settings: a blocked send is refused with the edge's reason; unblocking lets it through", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const a = clientOf(alice, "default", { positions: { [id]: 0 } });
    const b = clientOf(bob);
    await Promise.all([a.client.connect(), b.client.connect()]);
    expect(await a.client.block(bob.userId)).toEqual([bob.userId]);
    expect(await a.client.blocks()).toEqual([bob.userId]);
    await expect(b.client.send(id, "hello?")).rejects.toMatchObject({
      code: "forbidden",
      message: `${alice.userId} does not accept messages from you`,
    });
    expect(await a.client.unblock(bob.userId)).toEqual([]);
    await b.client.send(id, "hello again");
    await expect.poll(() => a.received.map((m) => m.body)).toEqual(["hello again"]);
    expect(await b.client.settings()).toEqual({ groupAdds: "invite" });
    expect(await b.client.settings({ groupAdds: "anyone" })).toEqual({ groupAdds: "anyone" });
    for (const device of [a, b]) device.client.close();
  });
});
