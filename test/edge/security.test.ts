/**
 * The edge's answers to an attacker (docs/security.md): each finding of the security review, reproduced against
 * the real Worker and Durable Objects in workerd, refused with the protocol's error, and shown to store, create
 * and send nothing.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, TEST_SECRET, type Edge } from "../support/edge.js";
import { upgradeStatus } from "../support/socket.js";
import { useEdge, type EdgeFixture } from "../support/fixtures.js";
import { buildPage } from "../web/support/page-edge.js";

const now = () => Math.floor(Date.now() / 1000);

/** Every Durable Object that ever wrote storage has its own SQLite file under the persist directory. */
function objectFiles(edge: Edge): number {
  const walk = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".sqlite") ? 1 : 0),
      0,
    );
  return walk(edge.persistDir);
}

describe("group amplification: sends, typing and reads are charged by recipients; creations are capped per day; leavers stay out", () => {
  // A budget that does not refill within a test: what is spent stays spent.
  const fx = useEdge({ bindings: { FANOUT_LIMIT_PER_SEC: "0.01", FANOUT_LIMIT_BURST: "40", MAX_GROUPS_PER_DAY: "2" } });

  it("charges a message to a big group one token per recipient and refuses it once the fan-out budget is spent", async () => {
    const [alice, ...others] = await fx.users("alice", ...Array.from({ length: 15 }, (_, i) => `m${i}`));
    // Creating the 16-member group costs 16 of alice's 40 tokens.
    const id = await alice.group(others.map((u) => u.userId));
    const socket = await alice.connect();
    socket.send({ type: "send", clientMsgId: "first", conversationId: id, body: "reaches 15" });
    expect(await socket.waitForType("ack")).toMatchObject({ clientMsgId: "first", seq: 1 });
    socket.send({ type: "send", clientMsgId: "second", conversationId: id, body: "would reach 15 more" });
    expect(await socket.waitForType("error")).toMatchObject({
      code: "rate_limited",
      clientMsgId: "second",
      retryAfterMs: expect.any(Number),
    });
    expect((await alice.history(id)).body.messages.map((m: { body: string }) => m.body)).toEqual(["reaches 15"]);
  });

  it("drops typing beyond the fan-out budget: a flood of typing in big groups relays only what the budget allows", async () => {
    const [alice, bob, ...rest] = await fx.users("alice", "bob", ...Array.from({ length: 8 }, (_, i) => `t${i}`));
    const members = [bob.userId, ...rest.map((u) => u.userId)];
    // 40 tokens: two 10-member groups and a direct conversation cost 22, typing in each group 9 more.
    const conversations = [
      await alice.group(members, "a"),
      await alice.group(members, "b"),
      await alice.direct(bob.userId),
    ];
    const [a, b] = await Promise.all([alice.connect(), bob.connect()]);
    for (const id of conversations) a.send({ type: "typing", conversationId: id });
    a.send('{"type": "ping"}');
    await a.waitForType("pong");
    await new Promise((r) => setTimeout(r, 300));
    expect(b.frames.filter((f) => f.type === "typing").map((f) => f.conversationId)).toEqual(conversations.slice(0, 2));
  });

  it("caps groups created per user per day: the next one answers 429 rate_limited and creates nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    await alice.group([bob.userId], "one");
    await alice.group([bob.userId], "two");
    const files = objectFiles(fx.edge);
    const third = await alice.call("POST", "/v1/conversations", {
      kind: "group",
      members: [bob.userId],
      title: "three",
    });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    expect(objectFiles(fx.edge)).toBe(files);
    expect(
      (await bob.call("GET", "/v1/conversations")).body.conversations.map((c: { title: string }) => c.title).sort(),
    ).toEqual(["one", "two"]);
  });

  it("refuses to add back someone who left a group, leaving the group and the leaver untouched", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "left");
    expect((await bob.call("POST", `/v1/conversations/${id}/members`, { remove: [bob.userId] })).status).toBe(200);
    const again = await alice.call("POST", `/v1/conversations/${id}/members`, { add: [bob.userId] });
    expect(again.status).toBe(403);
    expect(again.body.error).toEqual({
      code: "forbidden",
      message: `${bob.userId} left this group or declined it and cannot be invited again`,
    });
    expect((await alice.call("GET", `/v1/conversations/${id}`)).body.members.sort()).toEqual(
      [alice.userId, carol.userId].sort(),
    );
    expect((await bob.call("GET", "/v1/conversations")).body.conversations).toEqual([]);
  });
});

describe("presence of anyone to anyone: only users who share a conversation are answered", () => {
  const fx = useEdge();

  it("shows a stranger as offline and never seen, however online they are", async () => {
    const [alice, mallory] = await fx.users("alice", "mallory");
    const socket = await alice.connect();
    const probe = await mallory.call("GET", `/v1/presence?users=${alice.userId}`);
    expect(probe.body).toEqual({ presence: { [alice.userId]: { online: false, lastSeen: null } } });
    await mallory.direct(alice.userId);
    const contact = await mallory.call("GET", `/v1/presence?users=${alice.userId}`);
    expect(contact.body.presence[alice.userId]).toMatchObject({ online: true });
    await socket.close();
  });
});

describe("random ids create persisted objects: an id the caller's session does not list reaches no object", () => {
  const fx = useEdge();

  it("answers presence of 100 made-up users, and frames and calls on made-up conversations, without creating an object", async () => {
    const [alice] = await fx.users("alice");
    const socket = await alice.connect();
    const files = objectFiles(fx.edge);
    const users = Array.from({ length: 100 }, (_, i) => `ghost-${process.pid}-${i}`);
    const presence = await alice.call("GET", `/v1/presence?users=${users.join(",")}`);
    expect(presence.status).toBe(200);
    expect(Object.values(presence.body.presence)).toEqual(users.map(() => ({ online: false, lastSeen: null })));
    const ghost = `g:ghost-${process.pid}`;
    for (const frame of [
      { type: "typing", conversationId: ghost },
      { type: "read", conversationId: ghost, seq: 1 },
      { type: "send", clientMsgId: "ghost", conversationId: ghost, body: "hello?" },
    ]) {
      socket.send(frame);
      expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden" });
    }
    for (const [method, path, body] of [
      ["GET", `/v1/conversations/${ghost}`],
      ["GET", `/v1/conversations/${ghost}/messages`],
      ["POST", `/v1/conversations/${ghost}/messages`, { clientMsgId: "x", body: "y" }],
      ["POST", `/v1/conversations/${ghost}/members`, { add: ["someone"] }],
    ] as const) {
      const reply = await alice.call(method, path, body);
      expect({ path, status: reply.status, code: reply.body.error?.code }).toEqual({
        path,
        status: 403,
        code: "forbidden",
      });
    }
    expect(objectFiles(fx.edge)).toBe(files);
  });
});

describe("push subscriptions: endpoints checked at the edge, subscribing rate-limited", () => {
  const fx = useEdge();

  it("refuses internal, http and non-push endpoints with 400 before any object is addressed", async () => {
    const [alice] = await fx.users("alice");
    const files = objectFiles(fx.edge);
    for (const endpoint of [
      "http://169.254.169.254/latest/meta-data",
      "https://10.0.0.5/push",
      "https://fcm.googleapis.com:8443/x",
      "https://push.example/abc",
    ]) {
      const reply = await alice.call("POST", "/v1/push/subscriptions", {
        endpoint,
        keys: { p256dh: "BPk", auth: "xyz" },
      });
      expect({ endpoint, status: reply.status, code: reply.body.error?.code }).toEqual({
        endpoint,
        status: 400,
        code: "bad_request",
      });
    }
    expect(objectFiles(fx.edge)).toBe(files);
  });

  it("takes ten subscriptions an hour per user, then answers 429 rate_limited", async () => {
    const [alice] = await fx.users("alice");
    const subscribe = (i: number) =>
      alice.call("POST", "/v1/push/subscriptions", {
        endpoint: `https://fcm.googleapis.com/fcm/send/${i}`,
        keys: { p256dh: "BPk", auth: "xyz" },
      });
    for (let i = 0; i < 10; i++) expect((await subscribe(i)).status).toBe(201);
    const over = await subscribe(10);
    expect(over.status).toBe(429);
    expect(over.body.error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
  });
});

describe("unbounded frames other than send: a smaller page, one sync or fetch at a time, a token bucket per socket", () => {
  const fx: EdgeFixture = useEdge({ bindings: { FRAME_LIMIT_PER_SEC: "0.01", FRAME_LIMIT_BURST: "25" } });

  it("refuses a fetch page over 200 as bad_request, and a second sync or fetch while one is answered", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    socket.send({ type: "fetch", conversationId: id, after: 0, limit: 1000 });
    expect(await socket.waitForType("error")).toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("limit"),
    });
    // A fetch asks the conversation (I/O): a frame that arrives while one is being answered is refused. Which do
    // depends on timing; each gets exactly one answer, a page or that refusal.
    // (Two: this socket's budget is 25 tokens, a fetch costs 10.)
    for (let i = 0; i < 2; i++) socket.send({ type: "fetch", conversationId: id, after: 0 });
    const answers = await socket.waitForCount(
      (f) => f.type === "fetched" || (f.type === "error" && f.code === "rate_limited"),
      2,
    );
    for (const a of answers.filter((f) => f.type === "error")) expect(a.message).toContain("already being answered");
    expect(answers.filter((f) => f.type === "fetched").length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.frames.filter((f) => f.type === "fetched" || f.type === "error")).toHaveLength(3);
  });

  it("charges every frame to the socket's bucket (a sync as ten), refusing the rest with rate_limited and storing nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    // 25 tokens: two syncs (20) and five spelled-out pings (the object answers those) fit, the rest does not.
    for (let i = 0; i < 2; i++) await socket.sync();
    socket.send({ type: "sync" });
    for (let i = 0; i < 12; i++) socket.send('{"type": "ping"}');
    socket.send({ type: "send", clientMsgId: "late", conversationId: id, body: "over the budget" });
    await socket.waitForType("error", (f) => f.clientMsgId === "late");
    expect(socket.frames.filter((f) => f.type === "synced")).toHaveLength(2);
    expect(socket.frames.filter((f) => f.type === "pong")).toHaveLength(5);
    const refused = socket.frames.filter((f) => f.type === "error");
    expect(refused).toHaveLength(9);
    for (const e of refused) expect(e).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    expect((await alice.history(id)).body.messages).toEqual([]);
  });
});

describe("page headers: CSP, no framing, nosniff, no source maps", () => {
  let edge: Edge;
  beforeAll(async () => {
    edge = await startEdge({ assetsDir: buildPage() });
  });
  afterAll(() => edge?.stop());

  it("serves the page with a CSP that forbids framing and foreign connections, nosniff and no referrer", async () => {
    for (const path of ["/", "/app.js", "/styles.css", "/sw.js"]) {
      const res = await fetch(`${edge.url}${path}`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    }
  });

  it("serves no source map and not the headers file itself", async () => {
    const js = await (await fetch(`${edge.url}/app.js`)).text();
    expect(js).not.toContain("sourceMappingURL");
    for (const path of ["/app.js.map", "/_headers"]) expect((await fetch(`${edge.url}${path}`)).status).toBe(404);
  });
});

describe("JWT: clock-skew leeway, a maximum lifetime, and one-time tickets instead of tokens in URLs", () => {
  const fx = useEdge({ bindings: { TOKEN_MAX_LIFETIME_S: "86400" } });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const status = async (token: string) =>
    (await fx.api.raw("GET", "/v1/conversations", undefined, bearer(token))).status;

  it("accepts a token issued a few seconds in the future, refuses one far in the future", async () => {
    expect(await status(await sign({ sub: "skewed", iat: now() + 5, exp: now() + 3600 }, TEST_SECRET, "HS256"))).toBe(
      200,
    );
    expect(await status(await sign({ sub: "skewed", iat: now() + 600, exp: now() + 3600 }, TEST_SECRET, "HS256"))).toBe(
      401,
    );
  });

  it("refuses tokens that live longer than the maximum, or practically forever", async () => {
    expect(await status(await sign({ sub: "forever", exp: 1e300 }, TEST_SECRET, "HS256"))).toBe(401);
    expect(await status(await sign({ sub: "forever", iat: now(), exp: now() + 25 * 3600 }, TEST_SECRET, "HS256"))).toBe(
      401,
    );
    expect(
      await status(await sign({ sub: "forever", iat: now() - 3600, exp: now() + 24 * 3600 }, TEST_SECRET, "HS256")),
    ).toBe(401);
    expect(await status(await sign({ sub: "daily", iat: now(), exp: now() + 24 * 3600 }, TEST_SECRET, "HS256"))).toBe(
      200,
    );
  });

  it("opens one socket per ticket; a used, forged or swapped ticket, a token in the URL and a ticket as a token are refused", async () => {
    const [alice] = await fx.users("alice");
    const ticket = async () => (await alice.call("POST", "/v1/connect/ticket")).body.ticket as string;
    const first = await ticket();
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?ticket=${first}`)).toBe(101);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?ticket=${first}`)).toBe(401);
    const forged = await sign({ sub: alice.userId, jti: "guess", exp: now() + 30 }, TEST_SECRET, "HS256");
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?ticket=${forged}`)).toBe(401);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?token=${alice.token}`)).toBe(401);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?ticket=${alice.token}`)).toBe(401);
    expect(await status(await ticket())).toBe(401);
  });
});

describe("AUTH_SECRET rotation: tokens of the previous secret are accepted while it is set", () => {
  const fx = useEdge({ bindings: { AUTH_SECRET: "the-new-secret", AUTH_SECRET_PREVIOUS: TEST_SECRET } });

  it("accepts tokens of the new and the previous secret, and no other", async () => {
    const status = async (secret: string) => {
      const token = await sign({ sub: "rotating", iat: now(), exp: now() + 60 }, secret, "HS256");
      return (await fx.api.raw("GET", "/v1/conversations", undefined, { Authorization: `Bearer ${token}` })).status;
    };
    expect([await status("the-new-secret"), await status(TEST_SECRET), await status("an-older-one")]).toEqual([
      200, 200, 401,
    ]);
  });
});

describe("lone surrogates: text that is not well-formed UTF-16 is refused, never stored altered", () => {
  const fx = useEdge();

  it("refuses a body or a title with a lone surrogate as bad_request and stores nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    socket.send(JSON.stringify({ type: "send", clientMsgId: "lone", conversationId: id, body: "a\ud800b" }));
    expect(await socket.waitForType("error")).toMatchObject({
      code: "bad_request",
      clientMsgId: "lone",
      message: expect.stringContaining("surrogate"),
    });
    expect((await alice.send(id, "lone2", "x\udc00")).status).toBe(400);
    const group = await alice.call("POST", "/v1/conversations", {
      kind: "group",
      members: [bob.userId],
      title: "t\ud83d",
    });
    expect(group.status).toBe(400);
    socket.send({ type: "send", clientMsgId: "pair", conversationId: id, body: "a\ud83d\ude00b" });
    expect(await socket.waitForType("ack")).toMatchObject({ clientMsgId: "pair", seq: 1 });
    expect((await alice.history(id)).body.messages.map((m: { body: string }) => m.body)).toEqual(["a\ud83d\ude00b"]);
    expect((await bob.call("GET", "/v1/conversations")).body.conversations).toHaveLength(1);
  });
});
