/**
 * Safety controls in workerd (protocol.md, "Safety"): invites, roles and system entries, what new members see of the
 * history, blocks and mutes. Every refusal is checked to have stored and sent nothing.
 */
import { describe, expect, it } from "vitest";
import { startStandInOrigin } from "../../bench/cost/stand-in-origin.js";
import { MUTED_FOREVER } from "../../protocol/index.js";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";

const fx = useEdge({ bindings: HIGH_LIMITS });

const members = (user: TestUser, id: string) => user.call("POST", `/v1/conversations/${id}/members`, {});
const change = (user: TestUser, id: string, body: object) => user.call("POST", `/v1/conversations/${id}/members`, body);
const answer = (user: TestUser, id: string, accept: boolean) =>
  user.call("POST", `/v1/conversations/${id}/invite`, { accept });
const detail = async (user: TestUser, id: string) => (await user.call("GET", `/v1/conversations/${id}`)).body;
const listed = async (user: TestUser) =>
  (await user.call("GET", "/v1/conversations")).body.conversations as Record<string, unknown>[];

describe("invites: no one is pulled into a group", () => {
  it("an invitee sees the invite only, not the history, until it accepts; then what the group shows", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.createGroup([bob.userId], "club");
    await alice.send(id, "m1", "before bob");
    const invite = (await listed(bob)).find((c) => c.id === id);
    expect(invite).toMatchObject({ active: false, role: "invited", invitedBy: alice.userId, lastSeq: 0 });
    for (const reply of [
      await bob.history(id),
      await bob.send(id, "b1", "may I?"),
      await bob.call("GET", `/v1/conversations/${id}`),
      await bob.search(id, "before"),
    ])
      expect(reply.status).toBe(403);
    const socket = await bob.connect();
    socket.send({ type: "fetch", conversationId: id, after: 0 });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden" });
    expect((await detail(alice, id)).lastSeq).toBe(1);

    const accepted = await answer(bob, id, true);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ members: expect.arrayContaining([bob.userId]), invited: [] });
    const page = (await bob.history(id)).body.messages;
    expect(page).toEqual([expect.objectContaining({ seq: 2, senderId: bob.userId, system: { kind: "joined" } })]);
    await alice.send(id, "m2", "welcome");
    expect((await bob.history(id)).body.messages.map((m: { body: string }) => m.body)).toEqual(["", "welcome"]);
  });

  it("a decline leaves the group as it was, and the user may not be invited again", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.createGroup([bob.userId], "no thanks");
    expect((await answer(bob, id, false)).status).toBe(200);
    expect(await detail(alice, id)).toMatchObject({ members: [alice.userId], invited: [] });
    expect((await listed(bob)).filter((c) => c.id === id)).toEqual([]);
    expect((await answer(bob, id, true)).status).toBe(404);
    const again = await change(alice, id, { add: [bob.userId] });
    expect(again.status).toBe(403);
    expect((await detail(alice, id)).invited).toEqual([]);
  });

  it("a user whose setting takes groups at once is added without an invite", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    expect((await bob.call("GET", "/v1/settings")).body).toEqual({ groupAdds: "invite" });
    expect((await bob.call("PUT", "/v1/settings", { groupAdds: "anyone" })).body).toEqual({ groupAdds: "anyone" });
    const id = await alice.createGroup([bob.userId], "direct add");
    expect(await detail(alice, id)).toMatchObject({ members: expect.arrayContaining([bob.userId]), invited: [] });
    expect((await bob.call("PUT", "/v1/settings", { groupAdds: "everyone" })).status).toBe(400);
  });

  it("answers for no invite at all: a stranger and a member get 404, nothing changes", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const id = await alice.group([bob.userId], "closed");
    const before = await detail(alice, id);
    expect((await answer(mallory, id, true)).status).toBe(404);
    expect((await answer(bob, id, false)).status).toBe(404);
    expect((await alice.call("POST", `/v1/conversations/${id}/invite`, { accept: "yes" })).status).toBe(400);
    expect(await detail(alice, id)).toEqual(before);
  });
});

describe("roles: admins manage a group, every change is an entry of its log", () => {
  it("refuses a member who is not an admin removing, adding, promoting or renaming, storing nothing", async () => {
    const [alice, bob, carol, dave] = await fx.users("alice", "bob", "carol", "dave");
    const id = await alice.group([bob.userId, carol.userId], "roles");
    const before = await detail(alice, id);
    for (const body of [{ remove: [carol.userId] }, { add: [dave.userId] }, { promote: [bob.userId] }]) {
      const reply = await change(bob, id, body);
      expect(reply.status).toBe(403);
      expect(reply.body.error.message).toBe("only an admin adds, removes, promotes or demotes members");
    }
    const rename = await bob.call("PATCH", `/v1/conversations/${id}`, { title: "mine" });
    expect(rename.status).toBe(403);
    expect(await detail(alice, id)).toEqual(before);
    expect((await listed(dave)).length).toBe(0);
  });

  it("promotes, renames, demotes and removes, each a system entry pushed to every member's devices", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "before");
    const [aliceOther, carolSocket] = [await alice.connect(), await carol.connect()];
    expect((await change(alice, id, { promote: [bob.userId] })).body.admins).toEqual([alice.userId, bob.userId]);
    expect((await bob.call("PATCH", `/v1/conversations/${id}`, { title: "after" })).body.title).toBe("after");
    expect((await change(bob, id, { demote: [alice.userId] })).body.admins).toEqual([bob.userId]);
    expect((await change(bob, id, { remove: [carol.userId] })).body.members).not.toContain(carol.userId);
    const systems = [
      { kind: "promoted", users: [bob.userId] },
      { kind: "renamed", title: "after" },
      { kind: "demoted", users: [alice.userId] },
      { kind: "removed", users: [carol.userId] },
    ];
    const pushed = await aliceOther.waitForCount((f) => f.type === "message" && f.system !== undefined, 4);
    expect(pushed.map((f) => f.system)).toEqual(systems);
    expect((await bob.history(id)).body.messages.map((m: { system: unknown }) => m.system)).toEqual(systems);
    const removed = await carolSocket.waitFor((f) => f.type === "conversation" && f.conversation.active === false);
    expect(removed.conversation.id).toBe(id);
    expect((await carol.history(id)).status).toBe(403);
  });

  it("gives a group whose last admin leaves a new admin, and lets an admin delete anyone's message", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "succession");
    const fromBob = await bob.send(id, "b1", "mine");
    const fromCarol = await carol.send(id, "c1", "oops");
    expect((await change(alice, id, { remove: [alice.userId] })).status).toBe(200);
    expect((await detail(bob, id)).admins).toEqual([bob.userId]);
    expect((await bob.history(id)).body.messages.map((m: { system?: unknown }) => m.system).slice(-2)).toEqual([
      { kind: "left" },
      { kind: "promoted", users: [bob.userId] },
    ]);
    const byMember = await carol.act(id, { kind: "delete", clientMsgId: "d0", seq: fromBob.body.seq });
    expect(byMember.status).toBe(403);
    const byAdmin = await bob.act(id, { kind: "delete", clientMsgId: "d1", seq: fromCarol.body.seq });
    expect(byAdmin.status).toBe(201);
  });

  it("refuses demoting the last admin and settings of a direct conversation", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.group([bob.userId], "one admin");
    const reply = await change(alice, id, { demote: [alice.userId] });
    expect(reply.status).toBe(400);
    expect((await detail(alice, id)).admins).toEqual([alice.userId]);
    const direct = await alice.direct(bob.userId);
    expect((await alice.call("PATCH", `/v1/conversations/${direct}`, { title: "x" })).status).toBe(400);
    expect((await alice.call("PATCH", `/v1/conversations/${id}`, {})).status).toBe(400);
    expect((await members(alice, id)).status).toBe(400);
  });
});

describe("history visibility", () => {
  it("new members of a new group see from their joining on; with `all`, everything", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    await fx.api.takeGroups(bob.userId);
    await fx.api.takeGroups(carol.userId);
    const id = await alice.group([], "visibility");
    await alice.send(id, "m1", "secret");
    await change(alice, id, { add: [bob.userId] });
    await alice.send(id, "m2", "for bob");
    const bobPage = (await bob.history(id)).body;
    expect(bobPage.messages.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);
    expect((await bob.history(id, "?before=2")).body).toEqual({ messages: [], hasMore: false });
    expect((await bob.search(id, "secret")).body.messages).toEqual([]);
    const socket = await bob.connect();
    const [page] = await socket.fetchAll(id, 0);
    expect(socket.messages(id).map((m) => m.seq)).toEqual([2, 3]);
    // The page says where it started: just before bob's joining, not the 0 he asked for.
    expect(page).toMatchObject({ after: 1, through: 3, more: false });
    expect((await listed(bob)).find((c) => c.id === id)).toMatchObject({ visibleFrom: 2 });

    await alice.call("PATCH", `/v1/conversations/${id}`, { history: "all" });
    await change(alice, id, { add: [carol.userId] });
    expect((await carol.history(id)).body.messages.map((m: { body: string }) => m.body)).toEqual([
      "secret",
      "",
      "for bob",
      "",
      "",
    ]);
  });
});

describe("blocks", () => {
  it("the blocked one can neither start nor write in a direct conversation; unblocking restores it", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    await bob.send(id, "b1", "hi");
    expect((await alice.call("PUT", `/v1/blocks/${bob.userId}`)).body).toEqual({ blocked: [bob.userId] });
    const refused = await bob.send(id, "b2", "hello?");
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`${alice.userId} does not accept messages from you`);
    const own = await alice.send(id, "a1", "nope");
    expect(own.body.error.message).toBe(`you blocked ${bob.userId}: unblock them to write here`);
    const socket = await bob.connect();
    socket.send({ type: "send", conversationId: id, clientMsgId: "b3", body: "over ws" });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden", clientMsgId: "b3" });
    expect((await detail(alice, id)).lastSeq).toBe(1);

    expect((await alice.call("DELETE", `/v1/blocks/${bob.userId}`)).body).toEqual({ blocked: [] });
    expect((await bob.send(id, "b4", "again")).status).toBe(201);
  });

  it("refuses starting a direct conversation either way and adding the blocker to a group", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    await alice.call("PUT", `/v1/blocks/${bob.userId}`);
    const start = await bob.call("POST", "/v1/conversations", { kind: "direct", peer: alice.userId });
    expect(start.status).toBe(403);
    expect((await alice.call("POST", "/v1/conversations", { kind: "direct", peer: bob.userId })).status).toBe(403);
    expect(await listed(alice)).toEqual([]);
    const group = { kind: "group", members: [alice.userId, carol.userId], title: "with alice" };
    const refused = await bob.call("POST", "/v1/conversations", group);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`${alice.userId} does not accept groups from you`);
    for (const user of [alice, bob, carol]) expect(await listed(user)).toEqual([]);
    const other = await bob.group([carol.userId], "without alice");
    expect((await change(bob, other, { add: [alice.userId] })).status).toBe(403);
    expect((await detail(bob, other)).invited).toEqual([]);
  });

  it("hides the blocker's presence and typing from the blocked one, in a shared group too, until unblocked", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "shared");
    const [a, b, c] = [await alice.connect(), await bob.connect(), await carol.connect()];
    expect((await bob.call("GET", `/v1/presence?users=${alice.userId}`)).body.presence[alice.userId].online).toBe(true);
    await alice.call("PUT", `/v1/blocks/${bob.userId}`);
    expect((await bob.call("GET", `/v1/presence?users=${alice.userId}`)).body.presence[alice.userId]).toEqual({
      online: false,
      lastSeen: null,
    });
    a.send({ type: "typing", conversationId: id });
    expect(await c.waitForType("typing")).toMatchObject({ userId: alice.userId });
    await alice.send(id, "after", "messages still arrive");
    await b.waitFor((f) => f.type === "message" && f.body === "messages still arrive");
    expect(b.frames.filter((f) => f.type === "typing")).toEqual([]);
    await alice.call("DELETE", `/v1/blocks/${bob.userId}`);
    expect((await bob.call("GET", `/v1/presence?users=${alice.userId}`)).body.presence[alice.userId].online).toBe(true);
  });

  it("refuses blocking oneself and bad ids", async () => {
    const [alice] = await fx.users("alice");
    expect((await alice.call("PUT", `/v1/blocks/${alice.userId}`)).status).toBe(400);
    expect((await alice.call("PUT", "/v1/blocks/bad%20id!")).status).toBe(400);
    expect((await alice.call("GET", "/v1/blocks")).body).toEqual({ blocked: [] });
  });
});

const origin = await startStandInOrigin();
describe("mute", () => {
  const fx = useEdge({ bindings: { ...HIGH_LIMITS, ORIGIN_URL: origin.url, ORIGIN_SECRET: "stand-in" } });

  it("tells origin not to push to the muted member, tells only its devices, and messages still arrive", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "noisy");
    const [bobSocket, carolSocket] = [await bob.connect(), await carol.connect()];
    const muted = await bob.call("POST", `/v1/conversations/${id}/mute`, { muted: true });
    expect(muted.body).toMatchObject({ id, mutedUntil: MUTED_FOREVER, active: true });
    expect(await bobSocket.waitForType("conversation")).toMatchObject({ conversation: { mutedUntil: MUTED_FOREVER } });
    await alice.send(id, "m1", "still delivered");
    await bobSocket.waitFor((f) => f.type === "message" && f.body === "still delivered");
    await expect
      .poll(() => origin.received.filter((e) => e.conversationId === id && e.kind === "members").at(-1), {
        timeout: 10_000,
      })
      .toMatchObject({ muted: { [bob.userId]: MUTED_FOREVER } });
    expect(carolSocket.frames.filter((f) => f.type === "conversation")).toEqual([]);
    expect((await listed(bob)).find((c) => c.id === id)).toMatchObject({ mutedUntil: MUTED_FOREVER });

    await bob.call("POST", `/v1/conversations/${id}/mute`, { muted: false });
    await expect
      .poll(() => origin.received.filter((e) => e.conversationId === id && e.kind === "members").at(-1)?.muted, {
        timeout: 10_000,
      })
      .toBeUndefined();
    expect((await bob.call("POST", `/v1/conversations/${id}/mute`, { muted: false, until: 5 })).status).toBe(400);
  });
});
