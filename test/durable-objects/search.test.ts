/**
 * A conversation's search index (conversation/search.ts) on a real Durable Object's SQLite: built at the first
 * search, brought up to date at the next, following edits and deletes; and a deleted message's words are gone from
 * storage (FTS5's shadow tables included) once the conversation is searched again.
 */
import { describe, expect, it } from "vitest";
import type { ConversationStore } from "../../durable-objects/conversation/store.js";
import type { Outgoing } from "../../durable-objects/rpc.js";
import type { Result, SendResult } from "../../protocol/index.js";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();
const LOG = { generationSize: 1_000, rememberMs: 60_000 };
const RULES = { editWindowMs: 60_000 };
const T0 = 1_700_000_000_000;

async function conversation() {
  const object = await host.object();
  const store = await object.open("conversationStore", LOG);
  await store.create(
    { id: "g:s", kind: "group", title: "t", creator: "alice", createdAt: T0, history: "all" },
    ["alice", "bob"],
    [],
  );
  const storage = await object.open("storageText");
  const send = async (senderId: string, item: Outgoing, at = T0): Promise<SendResult> => {
    const [result] = (await store.append(senderId, [item], at, RULES)) as Result<SendResult>[];
    if (!result!.ok) throw new Error(result!.error.message);
    return result!.value;
  };
  const found = async (q: string) =>
    (await store.searchMessages({ q, limit: 20 })).messages.map((m: { seq: number }) => m.seq);
  return { store: store as unknown as ConversationStore, storage, send, found, object };
}

describe("conversation search index", () => {
  it("indexes nothing until the first search, then only what arrived since", async () => {
    const { storage, send, found } = await conversation();
    await send("alice", { clientMsgId: "m1", body: "zanzibar first" });
    expect(await storage.dump()).not.toMatch(/search_state/);
    expect(await found("zanzibar")).toEqual([1]);
    await send("bob", { clientMsgId: "m2", body: "zanzibar second" });
    expect(await found("zanzibar")).toEqual([2, 1]);
  });

  it("forgets a deleted message's words, in the index's storage too, by the next search", async () => {
    const { storage, send, found } = await conversation();
    await send("alice", { clientMsgId: "m1", body: "the quixotic password" });
    await send("bob", { clientMsgId: "m2", body: "keep this" });
    expect(await found("quixotic")).toEqual([1]);
    await send("alice", { clientMsgId: "d1", action: { kind: "delete", seq: 1 } });
    expect(await found("quixotic")).toEqual([]);
    expect(await found("keep")).toEqual([2]);
    expect(await storage.dump()).not.toMatch(/quixotic|password/);
  });

  it("finds an edited message by its new words only, and keeps the index across a restart", async () => {
    const { send, found, object } = await conversation();
    await send("alice", { clientMsgId: "m1", body: "see you at the lighthouse" });
    expect(await found("lighthouse")).toEqual([1]);
    await send("alice", { clientMsgId: "e1", action: { kind: "edit", seq: 1, body: "see you at the harbour" } });
    expect(await found("lighthouse")).toEqual([]);
    expect(await found("harbour")).toEqual([1]);
    const restarted = await object.open("conversationStore", LOG);
    expect((await restarted.searchMessages({ q: "harbour", limit: 5 })).messages.map((m) => m.seq)).toEqual([1]);
  });
});
