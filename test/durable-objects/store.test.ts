/**
 * The conversation's store (conversation/store.ts) on a real Durable Object's SQLite: seqs run 1, 2, 3… in the order
 * messages are appended, and a clientMsgId sent again by its sender gets its original seq, also from a fresh instance.
 */
import { describe, expect, it } from "vitest";
import type { ConversationStore } from "../../durable-objects/conversation/store.js";
import type { Outgoing } from "../../durable-objects/rpc.js";
import type { SendResult } from "../../protocol/index.js";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();
const LOG = { generationSize: 1_000, rememberMs: 60_000 };
const T0 = 1_700_000_000_000;

async function conversation(members = ["alice", "bob"]) {
  const object = await host.object();
  const store = await object.open("conversationStore", LOG);
  await store.create(
    { id: "g:test", kind: "group", title: "t", creator: "alice", createdAt: T0, history: "all" },
    members,
    [],
  );
  return { object, store };
}

const RULES = { editWindowMs: 15 * 60_000 };

/** Appends through the store and returns each item's answer, failing the test on a refusal. */
async function appended(
  store: { append(...args: Parameters<ConversationStore["append"]>): Promise<ReturnType<ConversationStore["append"]>> },
  senderId: string,
  list: Outgoing[],
  now: number,
): Promise<SendResult[]> {
  return (await store.append(senderId, list, now, RULES)).map((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  });
}

const items = (...ids: string[]) => ids.map((clientMsgId) => ({ clientMsgId, body: `body of ${clientMsgId}` }));

describe("conversation store: sequencing", () => {
  it("gives seq = last + 1 without gaps, a batch in the order given, whoever sends", async () => {
    const { store } = await conversation();
    expect((await appended(store, "alice", items("a1", "a2"), T0)).map((r) => r.seq)).toEqual([1, 2]);
    expect((await appended(store, "bob", items("b1"), T0 + 1)).map((r) => r.seq)).toEqual([3]);
    expect((await appended(store, "alice", items("a3", "a4", "a5"), T0 + 2)).map((r) => r.seq)).toEqual([4, 5, 6]);
    expect(await store.lastSeq()).toBe(6);
    const page = await store.history({ limit: 10 });
    expect(page.messages.map((m) => [m.seq, m.senderId, m.clientMsgId])).toEqual([
      [1, "alice", "a1"],
      [2, "alice", "a2"],
      [3, "bob", "b1"],
      [4, "alice", "a3"],
      [5, "alice", "a4"],
      [6, "alice", "a5"],
    ]);
  });
});

describe("conversation store: a retried send never creates a second message", () => {
  it("answers a clientMsgId sent again with its original seq and time, and appends nothing", async () => {
    const { store } = await conversation();
    const [first] = await appended(store, "alice", items("m1"), T0);
    await appended(store, "bob", items("b1"), T0 + 5);
    expect(await appended(store, "alice", items("m1"), T0 + 10)).toEqual([
      { seq: first!.seq, sentAt: T0, duplicate: true },
    ]);
    expect(await store.lastSeq()).toBe(2);
  });

  it("sequences a batch that repeats one of its own ids, or an earlier one, message by message", async () => {
    const { store } = await conversation();
    await appended(store, "alice", items("m1"), T0);
    const results = await appended(store, "alice", items("m2", "m1", "m2", "m3"), T0 + 1);
    expect(results.map((r) => [r.seq, r.duplicate])).toEqual([
      [2, false],
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(await store.lastSeq()).toBe(3);
  });

  it("keeps one sender's clientMsgId apart from another's: the same id from someone else is a new message", async () => {
    const { store } = await conversation();
    await appended(store, "alice", items("same"), T0);
    expect(await appended(store, "bob", items("same"), T0 + 1)).toEqual([{ seq: 2, sentAt: T0 + 1, duplicate: false }]);
  });

  it("recognises a retry after a restart: a fresh instance rebuilds what was sent from its log", async () => {
    const { object, store } = await conversation();
    await appended(store, "alice", items("m1", "m2"), T0);
    const restarted = await object.open("conversationStore", LOG);
    expect(await appended(restarted, "alice", items("m2", "m3"), T0 + 1_000)).toEqual([
      { seq: 2, sentAt: T0, duplicate: true },
      { seq: 3, sentAt: T0 + 1_000, duplicate: false },
    ]);
  });

  it("remembers a clientMsgId for the idempotency window, and forgets it once sends have moved two windows on", async () => {
    const { store } = await conversation();
    await appended(store, "alice", items("old"), T0);
    await appended(store, "alice", items("tick"), T0 + LOG.rememberMs);
    expect((await appended(store, "alice", items("old"), T0 + LOG.rememberMs + 1))[0]).toMatchObject({
      seq: 1,
      duplicate: true,
    });
    await appended(store, "alice", items("tock"), T0 + 2 * LOG.rememberMs);
    expect((await appended(store, "alice", items("old"), T0 + 2 * LOG.rememberMs + 1))[0]).toMatchObject({
      seq: 4,
      duplicate: false,
    });
  });
});

describe("conversation store: what members and origin are handed", () => {
  it("hands pushes pre-serialised messages after a seq, and origin the messages it has not confirmed", async () => {
    const { store } = await conversation();
    await appended(store, "alice", items("a1", "a2", "a3"), T0);
    const after = await store.messagesAfter(1, 3, 10);
    expect(after.map((m) => [m.seq, JSON.parse(m.json).clientMsgId])).toEqual([
      [2, "a2"],
      [3, "a3"],
    ]);
    expect((await store.unforwarded(2, 10)).map((m) => m.seq)).toEqual([3]);
  });
});
