import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatClient } from "../../client/index.js";
import type { MessageFrame } from "../../protocol/index.js";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";

const fx = useEdge({ bindings: { ...HIGH_LIMITS, FANOUT_RETRY_MS: "200" } });

function clientOf(user: TestUser, deviceId = "default"): { client: ChatClient; received: MessageFrame[] } {
  const client = new ChatClient({ url: fx.edge.url, token: user.token, deviceId, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
  const received: MessageFrame[] = [];
  client.on("message", (m) => received.push(m));
  return { client, received };
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
      if (i % 15 === 7) b.client.drop();
    }
    await Promise.all(sends);
    await expect.poll(() => b.received.length, { timeout: 15_000 }).toBe(60);
    expect(b.received.map((m) => m.seq)).toEqual(range(60));
    expect(b.received.map((m) => m.cursor)).toEqual(range(60));
    expect(b.client.cursor).toBe(60);
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
    for (let after = 0; after < 200; after += 100) stored.push(...(await bob.history(id, `?after=${after}&limit=100`)).body.messages);
    expect(stored.map((m) => m.clientMsgId)).toEqual(range(200).map((i) => `cm-${i - 1}`));
    a.client.close();
  });

  it("resumes from a persisted cursor in a new client instance", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `b${i}`);
    const first = clientOf(bob);
    await first.client.connect();
    await expect.poll(() => first.received.length).toBe(3);
    first.client.close();
    for (let i = 4; i <= 5; i++) await alice.send(id, `m${i}`, `b${i}`);
    const second = new ChatClient({ url: fx.edge.url, token: bob.token, cursor: first.client.cursor, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const later: MessageFrame[] = [];
    second.on("message", (m) => later.push(m));
    await second.connect();
    await expect.poll(() => later.map((m) => m.body)).toEqual(["b4", "b5"]);
    second.close();
  });

  it("a new device can start at the newest cursor instead of replaying the inbox", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 3; i++) await alice.send(id, `m${i}`, `old ${i}`);
    const client = new ChatClient({ url: fx.edge.url, token: bob.token, cursor: "latest", WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const got: MessageFrame[] = [];
    client.on("message", (m) => got.push(m));
    await client.connect();
    await alice.send(id, "m4", "new");
    await expect.poll(() => got.map((m) => [m.cursor, m.body])).toEqual([[4, "new"]]);
    client.close();
  });

  it("rejects an oversized body locally with too_large, so it never sits in the retry queue", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const { client } = clientOf(alice);
    await client.connect();
    await expect(client.send(id, "x".repeat(5000), "big")).rejects.toMatchObject({ code: "too_large", clientMsgId: "big" });
    expect(client.unacked).toBe(0);
    client.close();
  });
});
