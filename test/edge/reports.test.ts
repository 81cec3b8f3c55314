/**
 * Reports in workerd: a member reports a message with a reason; the report, with the message and the messages before
 * it in their current state, is filed in the moderation queue an operator reads with MODERATOR_TOKEN. Every refusal
 * files nothing and charges nothing to the reporter's daily allowance.
 */
import { describe, expect, it } from "vitest";
import type { Message, Report } from "../../protocol/index.js";
import type { Api, Reply, UserApi } from "../support/api.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const MODERATOR_TOKEN = "moderator-token-for-tests";
const REPORTS_PER_DAY = 3;
const fx = useEdge({
  bindings: { ...HIGH_LIMITS, MODERATOR_TOKEN, REPORTS_PER_DAY: String(REPORTS_PER_DAY) },
});

function report(user: UserApi, conversationId: string, body: unknown): Promise<Reply> {
  return user.call("POST", `/v1/conversations/${conversationId}/reports`, body);
}

function reportsPage(api: Api, query = "", token: string | null = MODERATOR_TOKEN): Promise<Reply> {
  return api.raw("GET", `/v1/moderation/reports${query}`, undefined, token ? { Authorization: `Bearer ${token}` } : {});
}

/** Every report of the queue, read page by page as an operator would. */
async function allReports(api: Api): Promise<Report[]> {
  const reports: Report[] = [];
  for (let after = "0"; ;) {
    const page = await reportsPage(api, `?after=${after}&limit=100`);
    expect(page.status).toBe(200);
    reports.push(...page.body.reports);
    if (!page.body.hasMore) return reports;
    after = page.body.next;
  }
}

const reportsIn = async (conversationId: string) =>
  (await allReports(fx.api)).filter((r) => r.conversationId === conversationId);

async function sendAll(user: UserApi, id: string, bodies: string[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const body of bodies) {
    const reply = await user.send(id, `m-${crypto.randomUUID()}`, body);
    expect(reply.status).toBe(201);
    seqs.push(reply.body.seq as number);
  }
  return seqs;
}

describe("a report", () => {
  it("is filed with the message and the ten messages before it, current state, actions left out", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const seqs = await sendAll(
      bob,
      id,
      Array.from({ length: 12 }, (_, i) => `line ${i + 1}`),
    );
    const react = await alice.act(id, { kind: "react", clientMsgId: "r1", seq: seqs[5], emoji: "👍", on: true });
    expect(react.status).toBe(201);
    const deleted = await bob.act(id, { kind: "delete", clientMsgId: "d1", seq: seqs[4] });
    expect(deleted.status).toBe(201);
    const [reported] = await sendAll(bob, id, ["you are awful"]);
    const edit = await bob.act(id, { kind: "edit", clientMsgId: "e1", seq: reported, body: "you are AWFUL" });
    expect(edit.status).toBe(201);

    const filed = await report(alice, id, { seq: reported, reason: "harassment", note: "keeps going" });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ reportedUserId: bob.userId, duplicate: false, at: expect.any(Number) });

    const [stored, ...more] = await reportsIn(id);
    expect(more).toEqual([]);
    expect(stored).toMatchObject({
      id: filed.body.id,
      conversationId: id,
      reporterId: alice.userId,
      reportedUserId: bob.userId,
      seq: reported,
      reason: "harassment",
      note: "keeps going",
      at: filed.body.at,
      message: { seq: reported, senderId: bob.userId, body: "you are AWFUL", editedAt: expect.any(Number) },
    });
    const context = stored!.context;
    // The ten messages before it: the action entries (a reaction, a delete, which took seqs of their own) are not.
    expect(context.map((m: Message) => m.seq)).toEqual(seqs.slice(2));
    expect(context.every((m: Message) => m.action === undefined)).toBe(true);
    expect(context.find((m: Message) => m.seq === seqs[4])).toMatchObject({ body: "", deleted: true });
    expect(context.find((m: Message) => m.seq === seqs[5])?.reactions).toEqual([
      { emoji: "👍", count: 1, users: [alice.userId] },
    ]);
  });

  it("files once: the same reporter reporting the same message again gets the first report back", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId]);
    const [seq] = await sendAll(bob, id, ["buy cheap watches"]);
    const first = await report(alice, id, { seq, reason: "spam" });
    const again = await report(alice, id, { seq, reason: "other", note: "really" });
    const byCarol = await report(carol, id, { seq, reason: "spam" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect(byCarol.status).toBe(201);
    const stored = await reportsIn(id);
    expect(stored.map((r) => [r.reporterId, r.reason])).toEqual([
      [alice.userId, "spam"],
      [carol.userId, "spam"],
    ]);
    expect(stored[0]!.context).toEqual([]);
    // The repeat charged nothing: two more reports fill the day's allowance.
    const [other, last] = await sendAll(bob, id, ["more watches", "even more"]);
    for (const seq of [other, last]) expect((await report(alice, id, { seq, reason: "spam" })).status).toBe(201);
  });

  it("is kept across a restart of the runtime", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["hello?"]);
    const filed = await report(alice, id, { seq, reason: "other" });
    expect(filed.status).toBe(201);
    await fx.edge.restart();
    expect((await reportsIn(id)).map((r) => r.id)).toEqual([filed.body.id]);
  });
});

describe("a report with block", () => {
  it("files the report and blocks the message's sender for the reporter", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["threat"]);
    const filed = await report(alice, id, { seq, reason: "harassment", block: true });
    expect(filed.status).toBe(201);
    expect((await reportsIn(id)).map((r) => r.id)).toEqual([filed.body.id]);
    expect((await alice.call("GET", "/v1/blocks")).body).toEqual({ blocked: [bob.userId] });
    const refused = await bob.send(id, "m-after", "still here?");
    expect(refused.status).toBe(403);
  });

  it("blocks nobody when the report is refused", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [own] = await sendAll(alice, id, ["mine"]);
    expect((await report(alice, id, { seq: own, reason: "spam", block: true })).status).toBe(400);
    expect((await report(alice, id, { seq: 999, reason: "spam", block: true })).status).toBe(404);
    expect((await alice.call("GET", "/v1/blocks")).body).toEqual({ blocked: [] });
    expect(await reportsIn(id)).toEqual([]);
  });
});

describe("a report in a group holds what its reporter sees", () => {
  it("refuses a message from before the reporter joined, and leaves earlier messages out of the context", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId]);
    const [early] = await sendAll(bob, id, ["before carol"]);
    await fx.api.takeGroups(carol.userId);
    const added = await alice.call("POST", `/v1/conversations/${id}/members`, { add: [carol.userId] });
    expect(added.status).toBe(200);
    const [later] = await sendAll(bob, id, ["after carol"]);
    const refused = await report(carol, id, { seq: early, reason: "spam" });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("not_found");
    const filed = await report(carol, id, { seq: later, reason: "spam" });
    expect(filed.status).toBe(201);
    const [stored] = await reportsIn(id);
    expect(stored!.context.map((m: Message) => m.seq)).toEqual([later! - 1]);
    expect(stored!.context[0]!.system).toEqual({ kind: "added", users: [carol.userId] });
  });

  it("refuses an invitee who has not accepted, like any non-member", async () => {
    const [alice, bob, dave] = await fx.users("alice", "bob", "dave");
    const id = await alice.createGroup([bob.userId, dave.userId], "invites");
    await bob.call("POST", `/v1/conversations/${id}/invite`, { accept: true });
    const [seq] = await sendAll(alice, id, ["hello"]);
    const refused = await report(dave, id, { seq, reason: "spam" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect(await reportsIn(id)).toEqual([]);
  });
});

describe("refusals file nothing and charge nothing", () => {
  it("refuses a non-member, an unknown seq, an action's entry, a deleted message and one's own message", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const id = await alice.direct(bob.userId);
    const [first, second, third, fourth] = await sendAll(bob, id, ["one", "two", "three", "four"]);
    const [own] = await sendAll(alice, id, ["mine"]);
    const react = await alice.act(id, { kind: "react", clientMsgId: "r1", seq: first, emoji: "👍", on: true });
    const gone = await bob.act(id, { kind: "delete", clientMsgId: "d1", seq: second });
    expect([react.status, gone.status]).toEqual([201, 201]);
    const refusals: [Reply, number, string][] = [
      [await report(mallory, id, { seq: first, reason: "spam" }), 403, "forbidden"],
      [await report(alice, id, { seq: 9_999, reason: "spam" }), 404, "not_found"],
      [await report(alice, id, { seq: react.body.seq, reason: "spam" }), 404, "not_found"],
      [await report(alice, id, { seq: second, reason: "spam" }), 404, "not_found"],
      [await report(alice, id, { seq: own, reason: "spam" }), 400, "bad_request"],
    ];
    for (const [reply, status, code] of refusals) {
      expect(reply.status).toBe(status);
      expect(reply.body.error.code).toBe(code);
    }
    expect(await reportsIn(id)).toEqual([]);
    // None of them was charged: the whole day's allowance is still there.
    for (const seq of [first, third, fourth])
      expect((await report(alice, id, { seq, reason: "spam" })).status).toBe(201);
    expect(await reportsIn(id)).toHaveLength(REPORTS_PER_DAY);
  });

  it("refuses a bad reason, an oversized note, a bad seq and a bad block flag with 400", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["hm"]);
    const bodies = [
      { seq, reason: "rude" },
      { seq },
      { seq, reason: "spam", note: "x".repeat(501) },
      { seq, reason: "spam", note: "a\ud800b" },
      { seq: 0, reason: "spam" },
      { seq: "1", reason: "spam" },
      { seq, reason: "spam", block: "yes" },
    ];
    for (const body of bodies) {
      const reply = await report(alice, id, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe("bad_request");
    }
    expect(await reportsIn(id)).toEqual([]);
    expect((await report(alice, id, { seq, reason: "spam", note: "x".repeat(500), block: false })).status).toBe(201);
  });

  it("refuses reports past the daily allowance with 429 and retryAfterMs, filing nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const seqs = await sendAll(bob, id, ["a", "b", "c", "d"]);
    for (const seq of seqs.slice(0, REPORTS_PER_DAY))
      expect((await report(alice, id, { seq, reason: "spam" })).status).toBe(201);
    const over = await report(alice, id, { seq: seqs[REPORTS_PER_DAY], reason: "spam" });
    expect(over.status).toBe(429);
    expect(over.body.error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    expect((await reportsIn(id)).map((r) => r.seq)).toEqual(seqs.slice(0, REPORTS_PER_DAY));
  });

  it("answers a repeat past the allowance with its first report, so a lost answer can always be retried", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const seqs = await sendAll(bob, id, ["a", "b", "c"]);
    const first = await report(alice, id, { seq: seqs[0], reason: "spam" });
    for (const seq of seqs.slice(1, REPORTS_PER_DAY)) await report(alice, id, { seq, reason: "spam" });
    const repeat = await report(alice, id, { seq: seqs[0], reason: "spam" });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual({ ...first.body, duplicate: true });
    expect((await reportsIn(id)).map((r) => r.seq)).toEqual(seqs);
  });
});

describe("the operator's queue", () => {
  it("pages oldest first with a cursor", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const seqs = await sendAll(bob, id, ["x", "y", "z"]);
    for (const seq of seqs) expect((await report(alice, id, { seq, reason: "abuse" })).status).toBe(201);
    // Each one-report page's cursor: where a page starting at that report is asked from.
    const starts: [string, Report][] = [];
    for (let after = "0", more = true; more;) {
      const page = await reportsPage(fx.api, `?after=${after}&limit=1`);
      starts.push([after, page.body.reports[0]!]);
      [after, more] = [page.body.next, page.body.hasMore];
    }
    const mine = starts.filter(([, r]) => r.conversationId === id);
    expect(mine.map(([, r]) => r.seq)).toEqual(seqs);
    const cursorBefore = mine[0]![0];
    const first = await reportsPage(fx.api, `?after=${cursorBefore}&limit=2`);
    expect(first.body.reports.map((r: Report) => r.seq)).toEqual(seqs.slice(0, 2));
    expect(first.body.hasMore).toBe(true);
    const second = await reportsPage(fx.api, `?after=${first.body.next}&limit=2`);
    expect(second.body.reports[0]!.seq).toBe(seqs[2]);
    const bad = await reportsPage(fx.api, "?limit=0");
    expect(bad.status).toBe(400);
  });

  it("answers 401 without the moderator token or with another, and to a user's token", async () => {
    const [alice] = await fx.users("alice");
    for (const token of [null, "not-the-token", `${MODERATOR_TOKEN}x`, alice.token]) {
      const reply = await reportsPage(fx.api, "", token);
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("unauthorized");
      expect(reply.body.reports).toBeUndefined();
    }
  });
});

describe("an operator's resolution", () => {
  function resolve(reportId: string, body: unknown, token: string | null = MODERATOR_TOKEN): Promise<Reply> {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    return fx.api.raw("POST", `/v1/moderation/reports/${reportId}/resolution`, body, headers);
  }
  const statusOf = async (status: string, reportId: string) =>
    (await reportsPage(fx.api, `?status=${status}&limit=100`)).body.reports.find((r: Report) => r.id === reportId);

  it("takes a report out of the open queue and lists it as resolved; the first resolution stands", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["send me your password"]);
    const filed = (await report(alice, id, { seq, reason: "abuse" })).body;
    expect(await statusOf("open", filed.id)).toMatchObject({ id: filed.id });

    const resolved = await resolve(filed.id, { outcome: "actioned", note: "account suspended" });
    expect(resolved.status).toBe(200);
    const resolution = { outcome: "actioned", note: "account suspended", at: expect.any(Number) };
    expect(resolved.body).toMatchObject({ id: filed.id, seq, resolution });
    expect(await statusOf("open", filed.id)).toBeUndefined();
    expect(await statusOf("resolved", filed.id)).toMatchObject({ resolution });
    expect(await statusOf("all", filed.id)).toMatchObject({ resolution });

    const again = await resolve(filed.id, { outcome: "dismissed" });
    expect(again.status).toBe(200);
    expect(again.body.resolution).toEqual(resolved.body.resolution);
  });

  it("refuses an unknown or malformed id, a bad body, a bad status and a missing token, changing nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["spam spam"]);
    const filed = (await report(alice, id, { seq, reason: "spam" })).body;
    const refusals: [Promise<Reply>, number][] = [
      [resolve(crypto.randomUUID(), { outcome: "dismissed" }), 404],
      [resolve("not-a-report", { outcome: "dismissed" }), 400],
      [resolve(filed.id, { outcome: "maybe" }), 400],
      [resolve(filed.id, { outcome: "dismissed", note: "x".repeat(501) }), 400],
      [resolve(filed.id, { outcome: "dismissed" }, null), 401],
      [resolve(filed.id, { outcome: "dismissed" }, alice.token), 401],
      [reportsPage(fx.api, "?status=closed"), 400],
    ];
    for (const [reply, status] of refusals) expect((await reply).status).toBe(status);
    expect(await statusOf("open", filed.id)).toMatchObject({ id: filed.id });
    expect((await statusOf("open", filed.id)).resolution).toBeUndefined();
  });
});

describe("an edge keeping reports for a short retention", () => {
  const short = useEdge({ bindings: { ...HIGH_LIMITS, MODERATOR_TOKEN, REPORT_RETENTION_MS: "1500" } });

  it("deletes a report once its retention after its last change is over", async () => {
    const [alice, bob] = await short.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["gone soon"]);
    const filed = (await report(alice, id, { seq, reason: "other" })).body;
    const listed = async () =>
      (await reportsPage(short.api, "?status=all&limit=100")).body.reports.map((r: Report) => r.id);
    expect(await listed()).toContain(filed.id);
    await expect.poll(listed, { timeout: 10_000, interval: 250 }).not.toContain(filed.id);
  });
});

describe("an edge without MODERATOR_TOKEN", () => {
  const bare = useEdge({ bindings: HIGH_LIMITS });

  it("has no moderation route: 404 with or without a token, while members still report", async () => {
    for (const token of [null, MODERATOR_TOKEN]) {
      const reply = await reportsPage(bare.api, "", token);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("not_found");
    }
    const [alice, bob] = await bare.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const [seq] = await sendAll(bob, id, ["hey"]);
    expect((await report(alice, id, { seq, reason: "other" })).status).toBe(201);
  });
});
