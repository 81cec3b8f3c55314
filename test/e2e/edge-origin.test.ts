/**
 * Edge (workerd) + origin (ingest, persister, push) + real Kafka, Cassandra and Redis, wired as in production:
 * the edge's outboxes post signed batches to origin's ingest.
 */
import { Redis } from "ioredis";
import WebSocket from "ws";
import { ChatApi } from "../../client/api.js";
import { ChatClient } from "../../client/chat-client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices, type RunningServices } from "../../origin/main.js";
import { writeTimeOf } from "../../origin/message-store/write-time.js";
import { LocalPushService } from "../origin/push/local-push-service.js";
import { boundTo, countMessages, log, SECRET, signedFetch, useOriginRun, waitFor } from "../origin/support.js";
import { Api, type UserApi } from "../support/api.js";
import { startEdge, type Edge } from "../support/edge.js";
import { TestSocket } from "../support/socket.js";

const run = useOriginRun("e2e", {
  env: { PUSH_COALESCE_MS: "100", PRESENCE_TTL_SECONDS: "5", PUSH_ALLOW_INSECURE_ENDPOINTS: "1" },
});
let origin: RunningServices | null = null;
let edge: Edge;
let api: Api;
const pushService = new LocalPushService();
let counter = 0;

beforeAll(async () => {
  origin = await startServices(run.config, log);
  run.config = boundTo(run.config, origin.url);
  await pushService.start();
  edge = await startEdge({
    bindings: {
      ORIGIN_URL: origin.url,
      ORIGIN_SECRET: SECRET,
      OUTBOX_RETRY_MS: "200",
      FANOUT_RETRY_MS: "300",
      SAFETY_ALARM_MS: "300",
      PRESENCE_HEARTBEAT_MS: "1000",
      HISTORY_KEEP: "100",
      HISTORY_MIN_AGE_MS: "1",
      RATE_LIMIT_PER_SEC: "10000",
      RATE_LIMIT_BURST: "10000",
      FRAME_LIMIT_PER_SEC: "10000",
      FRAME_LIMIT_BURST: "10000",
      PUSH_ALLOW_INSECURE_ENDPOINTS: "1",
    },
  });
  api = new Api(edge.url);
}, 180_000);

afterAll(async () => {
  await edge?.stop();
  await origin?.stop();
  await pushService.stop();
});

async function users(...names: string[]): Promise<UserApi[]> {
  const suffix = `${Date.now().toString(36)}${++counter}`;
  return Promise.all(names.map((n) => api.as(`${n}-${suffix}`)));
}

async function originHistory(
  conversationId: string,
  query: string,
): Promise<{ messages: { seq: number; body: string }[]; hasMore: boolean }> {
  const res = await signedFetch(origin!.url, "GET", `/v1/history/${conversationId}${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

async function sendAll(socket: TestSocket, conversationId: string, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    socket.send({ type: "send", clientMsgId: `${prefix}${i}`, conversationId, body: `${prefix} ${i}` });
  await socket.waitForCount((f) => f.type === "ack" && String(f.clientMsgId).startsWith(prefix), n, 20_000);
}

describe("edge + origin + real servers", () => {
  it("a WebSocket send lands in Cassandra, in order, once", async () => {
    const [alice, bob] = await users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    const socket = await TestSocket.open(edge.wsUrl, alice!.token);
    await sendAll(socket, id, "m", 20);
    await waitFor("20 rows in Cassandra", async () => (await countMessages(run.backends, run.config, id, 20)) === 20);
    const page = await originHistory(id, "?after=0&limit=100");
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(page.messages[0]).toMatchObject({
      conversationId: id,
      seq: 1,
      senderId: alice!.userId,
      clientMsgId: "m0",
      body: "m 0",
    });
    await socket.close();
  });

  it("keeps chatting while origin is down; afterwards every message lands exactly once", async () => {
    const [alice, bob] = await users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    const [a, b] = await Promise.all([
      TestSocket.open(edge.wsUrl, alice!.token),
      TestSocket.open(edge.wsUrl, bob!.token),
    ]);
    await sendAll(a, id, "before", 10);
    await waitFor("first 10 stored", async () => (await countMessages(run.backends, run.config, id, 10)) === 10);
    await origin!.stop();
    origin = null;
    await sendAll(a, id, "during", 30);
    await b.waitForCount((f) => f.type === "message", 40);
    origin = await startServices(run.config, log);
    await waitFor(
      "all 40 stored",
      async () => (await countMessages(run.backends, run.config, id, 40)) === 40,
      60_000,
      500,
    );
    const page = await originHistory(id, "?after=0&limit=100");
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await Promise.all([a.close(), b.close()]);
  });

  it("cuts a backlog larger than MAX_INGEST_BYTES into bodies origin takes: every message lands once", async () => {
    const [alice, bob] = await users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    const socket = await TestSocket.open(edge.wsUrl, alice!.token);
    await origin!.stop();
    origin = null;
    // ~4 KB each: 300 make one outbox batch of ~1.3 MB, which origin would refuse whole (413) for good.
    const n = 300;
    for (let i = 0; i < n; i++)
      socket.send({ type: "send", clientMsgId: `big${i}`, conversationId: id, body: `${i} `.padEnd(4000, "x") });
    await socket.waitForCount((f) => f.type === "ack" && String(f.clientMsgId).startsWith("big"), n, 20_000);
    origin = await startServices(run.config, log);
    await waitFor(
      `all ${n} stored`,
      async () => (await countMessages(run.backends, run.config, id, n)) === n,
      60_000,
      500,
    );
    await socket.close();
  });

  it("an offline member gets a Web Push with the message preview", async () => {
    const [alice, bob] = await users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    const sub = pushService.subscribe(`/push/${bob!.userId}`);
    expect((await bob!.call("POST", "/v1/push/subscriptions", sub.subscription)).status).toBe(201);
    await alice!.send(id, "p1", "are you there, bob?");
    const request = await waitFor(
      "a push for bob",
      async () => pushService.requestsTo(`/push/${bob!.userId}`)[0],
      30_000,
    );
    const payload = JSON.parse(sub.decrypt(request.body));
    expect(payload).toMatchObject({ conversationId: id, senderId: alice!.userId, preview: "are you there, bob?" });
    expect(pushService.requestsTo(`/push/${alice!.userId}`)).toEqual([]);
  });

  it("presence stays in Redis past its lease while a device renews it, and ends with the lease when the runtime dies", async () => {
    const [dave] = await users("dave");
    const redis = new Redis(run.config.redis.url);
    const client = new ChatClient({
      url: edge.url,
      token: dave!.token,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    try {
      const key = `${run.config.redis.prefix}presence:${dave!.userId}`;
      const connected = Date.now();
      await client.connect();
      await waitFor("online", async () => (await redis.exists(key)) === 1, 2_000, 50);
      expect(Date.now() - connected).toBeLessThan(2_000);
      // Lease 2.5 s (2.5 heartbeats of 1 s): still online after twice that, because the client renews it.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await redis.exists(key)).toBe(1);
      // The runtime dies with the device connected: no offline event is ever sent; the lease runs out.
      const dying = edge.crash();
      client.close();
      await dying;
      await waitFor("offline once the lease ran out", async () => (await redis.exists(key)) === 0, 6_000, 100);
    } finally {
      client.close();
      redis.disconnect();
    }
  });

  it("presence reaches Redis while a device is connected and is cleared when it leaves", async () => {
    const [carol] = await users("carol");
    const redis = new Redis(run.config.redis.url);
    try {
      const key = `${run.config.redis.prefix}presence:${carol!.userId}`;
      const socket = await TestSocket.open(edge.wsUrl, carol!.token);
      await waitFor("presence key", async () => (await redis.exists(key)) === 1);
      expect(await redis.ttl(key)).toBeGreaterThan(0);
      await socket.close();
      await waitFor("presence key gone", async () => (await redis.exists(key)) === 0);
      expect(Number(await redis.get(`${run.config.redis.prefix}lastseen:${carol!.userId}`))).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it("answers a search across the caller's conversations from origin's index, and only from them", async () => {
    const [alice, bob, carol] = await users("alice", "bob", "carol");
    const withBob = await alice!.direct(bob!.userId);
    const withCarol = await alice!.direct(carol!.userId);
    const without = await bob!.direct(carol!.userId);
    const sends: [UserApi, string, string][] = [
      [alice!, withBob, "Meet at the Café?"],
      [carol!, withCarol, "the cafe is closed"],
      [bob!, without, "a cafe without alice"],
      [alice!, withBob, "nothing to see"],
    ];
    for (const [i, [user, id, body]] of sends.entries()) {
      expect((await user.send(id, `s${i}`, body)).status).toBe(201);
      await new Promise((r) => setTimeout(r, 5)); // a later sentAt for each
    }
    await waitFor("the messages stored at origin", async () => {
      const counts = await Promise.all(
        [withBob, withCarol, without].map((id) => countMessages(run.backends, run.config, id, 2)),
      );
      return counts.join() === "2,1,1";
    });
    const found = await alice!.call("GET", "/v1/search?q=CAFE");
    expect(found.status).toBe(200);
    expect(
      found.body.messages.map((m: { conversationId: string; body: string }) => [m.conversationId, m.body]),
    ).toEqual([
      [withCarol, "the cafe is closed"],
      [withBob, "Meet at the Café?"],
    ]);
    expect(found.body.hasMore).toBe(false);
  });

  // Its own waits (stored, then pruned) take up to 90 s on a loaded machine: the test may take as long.
  it("a message's attachments reach Cassandra: origin's history shows them as the edge's does, and not once deleted", async () => {
    const [alice, bob] = await users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    const files = new ChatApi(edge.url, alice!.token);
    const png = new Uint8Array(64);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const photo = await files.uploadAttachment(id, new Blob([png], { type: "image/png" }), "photo.png");
    const pdf = await files.uploadAttachment(id, new Blob(["%PDF-1.7\n"], { type: "application/pdf" }), "a.pdf");
    const send = (clientMsgId: string, body: string, attachments: unknown[]) =>
      alice!.call("POST", `/v1/conversations/${id}/messages`, { clientMsgId, body, attachments });
    expect((await send("f1", "the photo", [{ ...photo, width: 8, height: 8 }])).status).toBe(201);
    expect((await send("f2", "", [pdf])).status).toBe(201);
    expect((await alice!.act(id, { kind: "delete", clientMsgId: "f3", seq: 2 })).status).toBe(201);
    // The delete's row and its effect on seq 2 share a partition, so one unlogged batch: 3 rows means both applied.
    await waitFor("3 entries in Cassandra", async () => (await countMessages(run.backends, run.config, id, 3)) === 3);
    const edgePage = await bob!.history(id, "?after=0&limit=100");
    const originPage = await originHistory(id, "?after=0&limit=100");
    expect(originPage).toEqual(edgePage.body);
    expect(originPage.messages[0]).toMatchObject({ attachments: [{ ...photo, width: 8, height: 8 }] });
    expect(originPage.messages[1]).toMatchObject({ seq: 2, deleted: true });
    expect(originPage.messages[1]).not.toHaveProperty("attachments");
  });

  it(
    "serves history older than what the Conversation keeps from origin's Cassandra",
    { timeout: 120_000 },
    async () => {
      const [alice, bob] = await users("alice", "bob");
      const id = await alice!.direct(bob!.userId);
      const socket = await TestSocket.open(edge.wsUrl, alice!.token);
      await sendAll(socket, id, "h", 350);
      await waitFor(
        "350 stored",
        async () => (await countMessages(run.backends, run.config, id, 350)) === 350,
        60_000,
        300,
      );
      // Mark seq 1 in Cassandra only: once the Conversation pruned it, the edge's answer must come from there. Written
      // as a later entry of the log would be (origin's writes carry seq-derived times: message-store/write-time.ts).
      await run.backends.cassandra.execute(
        `UPDATE ${run.config.cassandra.keyspace}.messages USING TIMESTAMP ? SET body = 'from cassandra' WHERE conversation_id = ? AND bucket = 0 AND seq = 1`,
        [writeTimeOf(1_000), id],
        { prepare: true },
      );
      // Pruning runs when the conversation's alarm comes for something else (an idle conversation is not woken to
      // prune): a send wakes it, and another one follows while an alarm came before origin confirmed the messages.
      let nudges = 0;
      await waitFor(
        "old pages served by origin",
        async () => {
          await sendAll(socket, id, `late${nudges++}-`, 1);
          const page = await bob!.history(id, "?after=0&limit=100");
          if (page.body.messages?.[0]?.body === "from cassandra") return true;
          // What it answered instead, for the timeout's message.
          throw new Error(`${page.status} ${JSON.stringify(page.body.messages?.[0] ?? page.body).slice(0, 200)}`);
        },
        90_000,
        1_000,
      );
      expect((await bob!.history(id, "?limit=50")).status).toBe(200);
      const old = await bob!.history(id, "?after=0&limit=100");
      expect(old.status).toBe(200);
      expect(old.body.messages.map((m: { seq: number }) => m.seq)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      expect(old.body.hasMore).toBe(true);
      const before = await bob!.history(id, "?before=120&limit=100");
      expect(before.body.messages.map((m: { seq: number }) => m.seq)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 20),
      );
      await socket.close();
    },
  );
});
