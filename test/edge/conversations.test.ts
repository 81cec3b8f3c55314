import { describe, expect, it } from "vitest";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge({ bindings: { MAX_GROUP_MEMBERS: "5" } });

describe("conversations over HTTP", () => {
  it("a direct conversation's id is the same whoever creates it: 201 new, 200 existing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const first = await alice.call("POST", "/v1/conversations", { kind: "direct", peer: bob.userId });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      kind: "direct",
      title: "",
      members: expect.arrayContaining([alice.userId, bob.userId]),
    });
    expect(first.body.createdAt).toBeTypeOf("number");
    const again = await bob.call("POST", "/v1/conversations", { kind: "direct", peer: alice.userId });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it("a group gets a random id and a title; its creator is its admin, and the others are invited", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const reply = await alice.call("POST", "/v1/conversations", {
      kind: "group",
      members: [bob.userId, carol.userId],
      title: "trip",
    });
    expect(reply.status).toBe(201);
    expect(reply.body.members).toEqual([alice.userId]);
    expect(reply.body.invited.sort()).toEqual([bob.userId, carol.userId].sort());
    expect(reply.body).toMatchObject({
      title: "trip",
      creator: alice.userId,
      admins: [alice.userId],
      history: "joined",
    });
    const other = await alice.call("POST", "/v1/conversations", {
      kind: "group",
      members: [bob.userId],
      title: "trip",
    });
    expect(other.body.id).not.toBe(reply.body.id);
  });

  it("appears in every member's list as soon as the create call has answered", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "now");
    for (const user of [alice, bob, carol]) {
      const list = await user.call("GET", "/v1/conversations");
      expect(list.status).toBe(200);
      expect(list.body.conversations).toEqual([
        {
          id,
          kind: "group",
          title: "now",
          members: expect.any(Array),
          createdAt: expect.any(Number),
          creator: alice.userId,
          admins: [alice.userId],
          invited: [],
          history: "joined",
          role: user === alice ? "admin" : "member",
          lastSeq: 0,
          readSeq: 0,
          active: true,
        },
      ]);
    }
  });

  it("shows lastSeq and readSeq in the list once messages flow", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 1; i <= 3; i++) expect((await alice.send(id, `m${i}`, `hello ${i}`)).status).toBe(201);
    const socket = await bob.connect();
    socket.send({ type: "read", conversationId: id, seq: 2 });
    await expect
      .poll(async () => (await alice.call("GET", `/v1/conversations/${id}`)).body.readSeqs[bob.userId])
      .toBe(2);
    const list = await bob.call("GET", "/v1/conversations");
    expect(list.body.conversations[0]).toMatchObject({ id, lastSeq: 3, readSeq: 2 });
  });

  it("GET a conversation shows members, lastSeq and every member's readSeq; others get 403", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const id = await alice.direct(bob.userId);
    await alice.send(id, "m1", "one");
    const detail = await bob.call("GET", `/v1/conversations/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id,
      kind: "direct",
      lastSeq: 1,
      readSeqs: { [alice.userId]: 1, [bob.userId]: 0 },
      deliveredSeqs: { [alice.userId]: 1, [bob.userId]: 0 },
    });
    const foreign = await mallory.call("GET", `/v1/conversations/${id}`);
    expect(foreign).toEqual({ status: 403, body: { error: { code: "forbidden", message: expect.any(String) } } });
  });

  it("a conversation that does not exist answers 403 like a foreign one, so ids reveal nothing", async () => {
    const [mallory] = await fx.users("mallory");
    for (const path of ["/v1/conversations/g:nope", "/v1/conversations/g:nope/messages"]) {
      expect((await mallory.call("GET", path)).status).toBe(403);
    }
    expect((await mallory.send("g:nope", "m1", "hi")).status).toBe(403);
  });

  it("refuses bad bodies with 400 and a group above the member limit", async () => {
    const [alice] = await fx.users("alice");
    for (const body of [
      {},
      { kind: "direct" },
      { kind: "direct", peer: "bad user!" },
      { kind: "group", members: "bob" },
      { kind: "channel" },
    ]) {
      const reply = await alice.call("POST", "/v1/conversations", body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe("bad_request");
    }
    const tooMany = await alice.call("POST", "/v1/conversations", {
      kind: "group",
      members: ["a", "b", "c", "d", "e"],
      title: "x",
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain("at most 5");
    expect((await alice.call("POST", "/v1/conversations", "{not json")).status).toBe(400);
  });
});

describe("membership changes", () => {
  it("an admin adds; the added user sees the conversation and, in a group that shows it, its history", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId], "team", { history: "all" });
    await fx.api.takeGroups(carol.userId);
    await alice.send(id, "m1", "before carol");
    const carolSocket = await carol.connect();
    const reply = await alice.call("POST", `/v1/conversations/${id}/members`, { add: [carol.userId] });
    expect(reply.status).toBe(200);
    expect(reply.body.members).toContain(carol.userId);
    const frame = await carolSocket.waitForType("conversation");
    expect(frame.conversation).toMatchObject({ id, title: "team", members: expect.arrayContaining([carol.userId]) });
    expect((await carol.call("GET", "/v1/conversations")).body.conversations.map((c: { id: string }) => c.id)).toEqual([
      id,
    ]);
    expect((await carol.history(id)).body.messages).toEqual([
      expect.objectContaining({ body: "before carol" }),
      expect.objectContaining({ body: "", senderId: alice.userId, system: { kind: "added", users: [carol.userId] } }),
    ]);
  });

  it("an added member is pushed what is sent after it joined, and may fetch what came before", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.group([], "solo", { history: "all" });
    await fx.api.takeGroups(bob.userId);
    await alice.send(id, "m1", "private");
    await alice.call("POST", `/v1/conversations/${id}/members`, { add: [bob.userId] });
    const socket = await bob.connect();
    const { conversations } = await socket.sync();
    expect(conversations).toEqual([expect.objectContaining({ id, lastSeq: 2, readSeq: 1, active: true })]);
    await alice.send(id, "m2", "public");
    expect(await socket.waitForType("message")).toMatchObject({ seq: 3, body: "public" });
    await socket.fetchAll(id, 0);
    expect(socket.messages().map((m) => m.body)).toEqual(["public", "private", "", "public"]);
  });

  it("a member may remove itself; only an admin may remove others", async () => {
    const [alice, bob, carol] = await fx.users("alice", "bob", "carol");
    const id = await alice.group([bob.userId, carol.userId], "rules");
    const forbidden = await bob.call("POST", `/v1/conversations/${id}/members`, { remove: [carol.userId] });
    expect(forbidden.status).toBe(403);
    const self = await bob.call("POST", `/v1/conversations/${id}/members`, { remove: [bob.userId] });
    expect(self.status).toBe(200);
    expect(self.body.members).not.toContain(bob.userId);
    expect((await bob.call("GET", `/v1/conversations/${id}`)).status).toBe(403);
    expect((await bob.call("GET", "/v1/conversations")).body.conversations).toEqual([]);
    const byCreator = await alice.call("POST", `/v1/conversations/${id}/members`, { remove: [carol.userId] });
    expect(byCreator.body.members).toEqual([alice.userId]);
    expect((await carol.send(id, "m1", "still here?")).status).toBe(403);
  });

  it("direct conversations cannot change members; outsiders cannot change anything", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const direct = await alice.direct(bob.userId);
    expect((await alice.call("POST", `/v1/conversations/${direct}/members`, { add: [mallory.userId] })).status).toBe(
      400,
    );
    const group = await alice.group([bob.userId], "closed");
    expect((await mallory.call("POST", `/v1/conversations/${group}/members`, { add: [mallory.userId] })).status).toBe(
      403,
    );
    expect((await alice.call("POST", `/v1/conversations/${group}/members`, {})).status).toBe(400);
    const limit = await alice.call("POST", `/v1/conversations/${group}/members`, { add: ["u1", "u2", "u3", "u4"] });
    expect(limit.status).toBe(400);
  });
});
