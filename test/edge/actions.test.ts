/**
 * Message actions in workerd: edit, delete for everyone, reactions, replies, delete for me, each seen on every device
 * of every member and in history, each refusal storing nothing; and a device that was away meets them exactly once,
 * in order, ending with the state history shows.
 */
import { describe, expect, it } from "vitest";
import { applyEntry, type Message } from "../../protocol/index.js";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";
import type { Frame, TestSocket } from "../support/socket.js";

const EDIT_WINDOW_MS = 1_500;
const fx = useEdge({ bindings: { ...HIGH_LIMITS, EDIT_WINDOW_MS: String(EDIT_WINDOW_MS) } });

let n = 0;
const cid = () => `c${++n}`;

/** Sends a frame that appends to the log and waits for its ack or error. */
async function logFrame(socket: TestSocket, frame: Record<string, unknown>): Promise<Frame> {
  const clientMsgId = (frame.clientMsgId as string | undefined) ?? cid();
  socket.send({ clientMsgId, ...frame });
  return socket.waitFor((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === clientMsgId);
}

async function chat(...names: string[]) {
  const users = await fx.users(...(names as [string, ...string[]]));
  const [owner, ...rest] = users;
  const id =
    users.length === 2
      ? await owner.direct(rest[0]!.userId)
      : await owner.group(
          rest.map((u) => u.userId),
          "g",
        );
  const sockets = await Promise.all(users.map((u) => u.connect()));
  return { users, id, sockets };
}

async function lastSeq(user: TestUser, id: string): Promise<number> {
  const page = await user.history(id, "?limit=1");
  return (page.body.messages as Message[]).at(-1)?.seq ?? 0;
}

describe("edit", () => {
  it("shows the new text and 'edited' on every device and in history; only the sender, only within the window", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice, bob] = users;
    const other = await alice!.connect("tablet");
    const sent = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "helo wrld" });
    const edit = await logFrame(sockets[0]!, { type: "edit", conversationId: id, seq: sent.seq, body: "hello world" });
    expect(edit).toMatchObject({ type: "ack", seq: 2, duplicate: false });
    expect(edit.action).toMatchObject({ kind: "edit", target: 1, body: "hello world" });
    for (const socket of [sockets[1]!, other]) {
      const pushed = await socket.waitForType("message", (f) => f.seq === 2);
      expect(pushed).toMatchObject({
        senderId: alice!.userId,
        body: "",
        action: { kind: "edit", target: 1, body: "hello world" },
      });
    }
    const [message] = (await bob!.history(id)).body.messages as Message[];
    expect(message).toMatchObject({ seq: 1, body: "hello world", editedAt: edit.action.editedAt });
    expect((await bob!.history(id)).body.messages).toHaveLength(1); // the action is not a message of the page

    const refusals = [
      [sockets[1]!, { seq: 1, body: "mine now" }, "forbidden"],
      [sockets[0]!, { seq: 99, body: "x" }, "not_found"],
      [sockets[0]!, { seq: 2, body: "an action" }, "not_found"],
      [sockets[0]!, { seq: 1, body: "x".repeat(4097) }, "too_large"],
      [sockets[0]!, { seq: 1, body: "" }, "bad_request"],
    ] as const;
    for (const [socket, frame, code] of refusals) {
      expect(await logFrame(socket, { type: "edit", conversationId: id, ...frame })).toMatchObject({
        type: "error",
        code,
      });
    }
    await new Promise((r) => setTimeout(r, EDIT_WINDOW_MS + 100));
    const late = await logFrame(sockets[0]!, { type: "edit", conversationId: id, seq: 1, body: "too late" });
    expect(late).toMatchObject({ type: "error", code: "forbidden" });
    expect(await lastSeq(bob!, id)).toBe(1);
    expect((await bob!.history(id, "?after=0")).body.messages[0].body).toBe("hello world");
  });
});

describe("delete for everyone", () => {
  it("leaves a tombstone everywhere, removes the body, and lets the sender or a group's creator do it", async () => {
    const { users, id, sockets } = await chat("owner", "bob", "carol");
    const [, bob, carol] = users;
    const fromBob = await logFrame(sockets[1]!, { type: "send", conversationId: id, body: "secret plans" });
    await logFrame(sockets[1]!, { type: "edit", conversationId: id, seq: fromBob.seq, body: "secret plans v2" });
    const fromCarol = await logFrame(sockets[2]!, { type: "send", conversationId: id, body: "carol's words" });
    expect(await logFrame(sockets[2]!, { type: "delete", conversationId: id, seq: fromBob.seq })).toMatchObject({
      code: "forbidden",
    });
    const own = await logFrame(sockets[1]!, { type: "delete", conversationId: id, seq: fromBob.seq });
    expect(own).toMatchObject({ type: "ack", action: { kind: "delete", target: fromBob.seq } });
    const byCreator = await logFrame(sockets[0]!, { type: "delete", conversationId: id, seq: fromCarol.seq });
    expect(byCreator).toMatchObject({ type: "ack", action: { kind: "delete", target: fromCarol.seq } });
    await sockets[2]!.waitForType("message", (f) => f.seq === byCreator.seq);
    expect(await logFrame(sockets[1]!, { type: "delete", conversationId: id, seq: fromBob.seq })).toMatchObject({
      code: "not_found",
    });
    const page = (await carol!.history(id)).body.messages as Message[];
    expect(page.map((m) => [m.seq, m.body, m.deleted])).toEqual([
      [fromBob.seq, "", true],
      [fromCarol.seq, "", true],
    ]);
    // Fetched again, neither the message nor its edit shows the text.
    const late = await bob!.connect("late");
    await late.fetchAll(id);
    const text = JSON.stringify(late.messages(id));
    expect(text).not.toContain("secret");
    expect(text).not.toContain("carol's words");
    expect((await bob!.search(id, "secret")).body.messages).toEqual([]);
  });
});

describe("reactions", () => {
  it("toggles one of each emoji per user, shows counts and who, and keeps the limits", async () => {
    const { users, id, sockets } = await chat("alice", "bob", "carol");
    const [alice, bob, carol] = users;
    const m = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "react to me" });
    const react = (s: TestSocket, emoji: string, on: boolean) =>
      logFrame(s, { type: "react", conversationId: id, seq: m.seq, emoji, on });
    expect((await react(sockets[1]!, "👍", true)).action).toMatchObject({ emoji: "👍", on: true, count: 1 });
    expect((await react(sockets[2]!, "👍", true)).action).toMatchObject({ count: 2 });
    expect((await react(sockets[2]!, "👍", true)).action).toMatchObject({ count: 2 }); // one of each per user
    expect((await react(sockets[1]!, "❤️", true)).action).toMatchObject({ count: 1 });
    expect((await react(sockets[1]!, "👍", false)).action).toMatchObject({ on: false, count: 1 });
    const pushed = await sockets[0]!.waitForCount((f) => f.type === "message" && f.action?.kind === "react", 5);
    expect(pushed.map((f) => f.action.count)).toEqual([1, 2, 2, 1, 1]);
    const [message] = (await alice!.history(id)).body.messages as Message[];
    expect(message!.reactions).toEqual([
      { emoji: "👍", count: 1, users: [carol!.userId] },
      { emoji: "❤️", count: 1, users: [bob!.userId] },
    ]);
    for (const emoji of ["😀", "🎉"]) await react(sockets[1]!, emoji, true);
    expect(await react(sockets[1]!, "🔥", true)).toMatchObject({ type: "error", code: "too_large" });
    expect(await react(sockets[1]!, "ok", true)).toMatchObject({ type: "error", code: "bad_request" });
    const before = await lastSeq(alice!, id);
    expect(before).toBe(m.seq); // history's newest message; the actions are entries of the log, not messages
  });
});

describe("replies", () => {
  it("carries the quoted snippet, shows a deleted original as deleted, and refuses a quote of nothing", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice, bob] = users;
    const original = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "what time is it?" });
    const reply = await logFrame(sockets[1]!, {
      type: "send",
      conversationId: id,
      body: "noon",
      replyTo: original.seq,
    });
    const quote = { seq: original.seq, senderId: alice!.userId, snippet: "what time is it?" };
    expect(reply.replyTo).toEqual(quote);
    expect(await sockets[0]!.waitForType("message", (f) => f.seq === reply.seq)).toMatchObject({ replyTo: quote });
    for (const replyTo of [99, original.seq + 100])
      expect(await logFrame(sockets[1]!, { type: "send", conversationId: id, body: "x", replyTo })).toMatchObject({
        code: "not_found",
      });
    await logFrame(sockets[0]!, { type: "delete", conversationId: id, seq: original.seq });
    const page = (await bob!.history(id)).body.messages as Message[];
    expect(page.find((m) => m.seq === reply.seq)!.replyTo).toEqual({
      seq: original.seq,
      senderId: alice!.userId,
      deleted: true,
    });
    expect(
      await logFrame(sockets[1]!, { type: "send", conversationId: id, body: "x", replyTo: original.seq }),
    ).toMatchObject({
      code: "not_found",
    });
  });
});

describe("refusals store nothing", () => {
  it("a non-member's actions, an unknown conversation, and an action retried with its clientMsgId", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice] = users;
    const [mallory] = await fx.users("mallory");
    const ms = await mallory!.connect();
    const m = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "hi" });
    for (const frame of [
      { type: "edit", seq: m.seq, body: "x" },
      { type: "delete", seq: m.seq },
      { type: "react", seq: m.seq, emoji: "👍", on: true },
    ])
      expect(await logFrame(ms, { ...frame, conversationId: id })).toMatchObject({ code: "forbidden" });
    expect((await mallory!.act(id, { kind: "delete", clientMsgId: "x", seq: m.seq })).status).toBe(403);
    const react = { type: "react", clientMsgId: "r1", conversationId: id, seq: m.seq, emoji: "👍", on: true };
    const once = await logFrame(sockets[0]!, react);
    const again = await logFrame(sockets[0]!, react);
    expect(again).toMatchObject({ seq: once.seq, duplicate: true, action: { kind: "react", count: 1 } });
    const http = await alice!.act(id, { kind: "edit", clientMsgId: "h1", seq: m.seq, body: "hi there" });
    expect(http.status).toBe(201);
    expect(http.body).toMatchObject({ seq: once.seq + 1, action: { kind: "edit", body: "hi there" } });
    expect((await alice!.act(id, { kind: "edit", clientMsgId: "h1", seq: m.seq, body: "hi there" })).status).toBe(200);
    expect((await alice!.act(id, { kind: "shout", clientMsgId: "h2", seq: m.seq })).status).toBe(400);
    const detail = await alice!.call("GET", `/v1/conversations/${id}`);
    expect(detail.body.lastSeq).toBe(once.seq + 1);
  });
});

describe("delete for me", () => {
  it("hides messages on the user's devices, also one that syncs later, and tells nobody else", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice] = users;
    const tablet = await alice!.connect("tablet");
    const { at } = await tablet.sync();
    await tablet.close();
    const m = await logFrame(sockets[1]!, { type: "send", conversationId: id, body: "embarrassing" });
    sockets[0]!.send({ type: "hide", conversationId: id, seqs: [m.seq] });
    expect(await sockets[0]!.waitForType("hidden")).toEqual({ type: "hidden", conversationId: id, seqs: [m.seq] });
    const back = await alice!.connect("tablet");
    back.send({ type: "sync", since: at });
    expect(await back.waitForType("hidden")).toEqual({ type: "hidden", conversationId: id, seqs: [m.seq] });
    await sockets[1]!.sync();
    expect(sockets[1]!.frames.some((f) => f.type === "hidden")).toBe(false);
    sockets[0]!.send({ type: "hide", conversationId: "d:nope", seqs: [1] });
    expect(await sockets[0]!.waitForType("error")).toMatchObject({ code: "forbidden", conversationId: "d:nope" });
  });
});

describe("search", () => {
  it("finds whole words and prefixes without diacritics, newest first and paged, after edits and deletes", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice, bob] = users;
    const bodies = ["Lunch at the café?", "coffee later", "the CAFE is closed", "cafeteria then", "nothing"];
    const seqs: number[] = [];
    for (const body of bodies) seqs.push((await logFrame(sockets[0]!, { type: "send", conversationId: id, body })).seq);
    const found = async (q: string, extra = "") =>
      ((await bob!.search(id, q, extra)).body.messages as Message[]).map((m) => m.seq);
    expect(await found("cafe")).toEqual([seqs[3], seqs[2], seqs[0]]); // "cafe" is a prefix of "cafeteria"
    expect(await found("café closed")).toEqual([seqs[2]]);
    const page = await bob!.search(id, "cafe", "&limit=2");
    expect(page.body).toMatchObject({ hasMore: true });
    expect(await found("cafe", `&before=${seqs[2]}`)).toEqual([seqs[0]]);
    // Indexed already: an edit and a delete change what is found.
    await logFrame(sockets[0]!, { type: "edit", conversationId: id, seq: seqs[1], body: "tea later" });
    await logFrame(sockets[0]!, { type: "delete", conversationId: id, seq: seqs[2] });
    expect(await found("coffee")).toEqual([]);
    expect(await found("tea")).toEqual([seqs[1]]);
    expect(await found("cafe")).toEqual([seqs[3], seqs[0]]);
    // Sent after the index was built: found at the next search.
    const newer = await logFrame(sockets[1]!, { type: "send", conversationId: id, body: "café tomorrow" });
    expect(await found("cafe")).toEqual([newer.seq, seqs[3], seqs[0]]);
    const [mallory] = await fx.users("mallory");
    expect((await mallory!.search(id, "cafe")).status).toBe(403);
    for (const q of ["", "!!!", "x".repeat(201)]) expect((await alice!.search(id, q)).status).toBe(400);
    expect((await found('"cafe" OR NEAR(')).length).toBeGreaterThanOrEqual(0); // query syntax is never passed through
  });
});

describe("resume", () => {
  it("a device away during an edit, a delete and reactions meets them once, in order, and ends as history shows", async () => {
    const { users, id, sockets } = await chat("alice", "bob");
    const [alice, bob] = users;
    const a = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "first" });
    const b = await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "second" });
    const phone = await bob!.connect("phone");
    const { at } = await phone.sync();
    await phone.fetchAll(id);
    const position = (phone.messages(id).at(-1)?.seq as number | undefined) ?? 0;
    await phone.close();
    await logFrame(sockets[0]!, { type: "edit", conversationId: id, seq: a.seq, body: "first, edited" });
    await logFrame(sockets[1]!, { type: "react", conversationId: id, seq: a.seq, emoji: "👍", on: true });
    await logFrame(sockets[0]!, { type: "react", conversationId: id, seq: a.seq, emoji: "👍", on: true });
    await logFrame(sockets[1]!, { type: "react", conversationId: id, seq: a.seq, emoji: "👍", on: false });
    await logFrame(sockets[0]!, { type: "delete", conversationId: id, seq: b.seq });
    await logFrame(sockets[0]!, { type: "send", conversationId: id, body: "third", replyTo: a.seq });

    const back = await bob!.connect("phone");
    await back.sync(at);
    await back.fetchAll(id, position);
    const fetched = back.messages(id);
    expect(fetched.map((f) => f.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    const held = new Map<number, Message>();
    for (const m of (await bob!.history(id, "?before=3")).body.messages as Message[]) held.set(m.seq, m);
    // What the device had before it went away: the messages as they were.
    held.set(a.seq, { ...held.get(a.seq)!, body: "first", reactions: undefined, editedAt: undefined });
    held.set(b.seq, { ...held.get(b.seq)!, body: "second", deleted: undefined });
    for (const { type: _frame, ...entry } of fetched) applyEntry(held, entry as unknown as Message);
    const history = (await alice!.history(id)).body.messages as Message[];
    expect([...held.values()].filter((m) => !m.action).sort((x, y) => x.seq - y.seq)).toEqual(history);
  });
});

describe("search across conversations", () => {
  it("finds messages in any of the user's conversations, newest first, and nothing of others'", async () => {
    const [alice, bob, carol, mallory] = await fx.users("alice", "bob", "carol", "mallory");
    const withBob = await alice!.direct(bob!.userId);
    const group = await alice!.group([bob!.userId, carol!.userId], "trip");
    const notHers = await bob!.direct(mallory!.userId);
    await alice!.send(withBob, "s1", "the zeppelin leaves at noon");
    await carol!.send(group, "s2", "Zeppelin tickets bought");
    await bob!.send(notHers, "s3", "zeppelin secret");
    await alice!.send(withBob, "s4", "nothing here");
    const reply = await alice!.call("GET", "/v1/search?q=zeppelin");
    expect(reply.status).toBe(200);
    expect((reply.body.messages as Message[]).map((m) => [m.conversationId, m.body])).toEqual([
      [group, "Zeppelin tickets bought"],
      [withBob, "the zeppelin leaves at noon"],
    ]);
    expect((await mallory!.call("GET", "/v1/search?q=tickets")).body.messages).toEqual([]);
    expect((await alice!.call("GET", "/v1/search?q=zeppelin&before=3")).status).toBe(400);
    expect((await alice!.call("GET", "/v1/search?q=")).status).toBe(400);
    expect((await fx.api.raw("GET", "/v1/search?q=zeppelin")).status).toBe(401);
  });

  it("charges searches to a budget per user: a burst, then 429 with Retry-After", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice!.direct(bob!.userId);
    await alice!.send(id, "s1", "findable");
    let answered = 0;
    let refused: Awaited<ReturnType<TestUser["search"]>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const reply = await alice!.search(id, "findable");
      if (reply.status === 200) answered++;
      else refused = reply;
    }
    expect(answered).toBeGreaterThanOrEqual(20);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "rate_limited" } } });
    expect((await bob!.search(id, "findable")).status).toBe(200); // another user's budget
    const across: number[] = [];
    for (let i = 0; i < 10; i++) across.push((await bob!.call("GET", "/v1/search?q=findable")).status);
    expect(across).toContain(429); // a search across conversations takes five of the twenty
  });
});
