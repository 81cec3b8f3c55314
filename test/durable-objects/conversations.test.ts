/**
 * A UserSession's positions (user-session/conversations.ts) on a real Durable Object's SQLite: membership is written
 * when it changes; the newest seq and read watermark move in memory with every delivery and are saved lazily, and what
 * a restart may have left behind is known (stale or paused), so a sync asks those conversations again.
 */
import { describe, expect, it } from "vitest";
import type { ConversationState } from "../../protocol/index.js";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();
const CHECKPOINT_MS = 60_000;

const state = (id: string, over: Partial<ConversationState> = {}): ConversationState => ({
  id,
  kind: "group",
  title: id,
  members: ["me", "you"],
  createdAt: 1,
  lastSeq: 0,
  readSeq: 0,
  active: true,
  creator: "me",
  admins: ["me"],
  invited: [],
  history: "all",
  ...over,
});

async function open() {
  const object = await host.object();
  return { object, positions: await object.open("positions", CHECKPOINT_MS) };
}

describe("positions: membership", () => {
  it("knows the members of a conversation the user is in, and nothing of one it left or never had", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.upsert(state("g:b", { active: false }));
    expect(await positions.membersOf("g:a")).toEqual(["me", "you"]);
    expect(await positions.membersOf("g:b")).toBeUndefined();
    expect(await positions.membersOf("g:made-up")).toBeUndefined();
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.membersOf("g:a")).toEqual(["me", "you"]);
    expect((await restarted.list()).map((s) => s.id)).toEqual(["g:a"]);
  });

  it("says which of some users share a conversation with this one", async () => {
    const { positions } = await open();
    await positions.upsert(state("g:a", { members: ["me", "you", "them"] }));
    await positions.upsert(state("g:b", { members: ["me", "gone"], active: false }));
    expect([...(await positions.contacts(["you", "gone", "stranger"]))]).toEqual(["you"]);
  });
});

describe("positions: moved in memory, saved lazily, never lost track of", () => {
  it("moves the newest seq and the read watermark forward only, read never past the newest", async () => {
    const { positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.advance("g:a", 5, 7);
    expect((await positions.get("g:a"))!.state).toMatchObject({ lastSeq: 5, readSeq: 5 });
    await positions.advance("g:a", 3, 2);
    expect((await positions.get("g:a"))!.state).toMatchObject({ lastSeq: 5, readSeq: 5 });
  });

  it("after a restart before a checkpoint, names the conversations whose saved position may be behind", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.upsert(state("g:b"));
    await positions.advance("g:b", 1, undefined, Date.now() + CHECKPOINT_MS);
    expect(await positions.unsure()).toEqual([]);
    await positions.advance("g:a", 4);
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual(["g:a"]);
    // Told where the conversation is, the fresh instance is sure of it again.
    await restarted.attached("g:a", state("g:a", { lastSeq: 4 }));
    expect(await restarted.unsure()).toEqual([]);
  });

  it("saves what moved at a checkpoint, after which a restart is sure of everything", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.advance("g:a", 4, 2);
    await positions.advance("g:a", 6, 2, Date.now() + CHECKPOINT_MS);
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual([]);
    expect((await restarted.get("g:a"))!.state).toMatchObject({ lastSeq: 6, readSeq: 2 });
  });

  it("remembers across a restart that a conversation stopped pushing, until it is attached again", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.pause("g:a");
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual(["g:a"]);
    await restarted.attached("g:a", state("g:a"));
    expect(await restarted.unsure()).toEqual([]);
  });

  it("lists for a sync every conversation that moved since a time, the ones moved only in memory too", async () => {
    const { positions } = await open();
    const before = Date.now();
    await positions.upsert(state("g:a"), before - 10_000);
    await positions.upsert(state("g:b"), before - 10_000);
    await positions.advance("g:b", 3, undefined, before + 1);
    expect((await positions.changedSince(before)).map((s) => [s.id, s.lastSeq])).toEqual([["g:b", 3]]);
    expect((await positions.changedSince(0)).map((s) => s.id).sort()).toEqual(["g:a", "g:b"]);
  });
});

describe("positions: what a wake must ask again stays small", () => {
  it("asks nothing after a restart about a conversation it has just written whole (new, or its members changed)", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.upsert(state("g:b"));
    await positions.advance("g:b", 2);
    await positions.upsert(state("g:b", { members: ["me", "you", "them"], lastSeq: 2 }));
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual([]);
    expect((await restarted.get("g:b"))!.state).toMatchObject({ lastSeq: 2, members: ["me", "you", "them"] });
  });

  it("checkpoints when one is due however often the object restarted since the last", async () => {
    const shortCheckpointMs = 300;
    const object = await host.object();
    const positions = await object.open("positions", shortCheckpointMs);
    await positions.upsert(state("g:a"));
    await positions.advance("g:a", 1);
    await new Promise((r) => setTimeout(r, shortCheckpointMs + 50));
    // A fresh instance, a checkpoint's time after the last one (the session's start): its first move saves.
    let restarted = await object.open("positions", shortCheckpointMs);
    expect(await restarted.unsure()).toEqual(["g:a"]);
    await restarted.advance("g:a", 2);
    restarted = await object.open("positions", shortCheckpointMs);
    expect(await restarted.unsure()).toEqual([]);
    expect((await restarted.get("g:a"))!.state.lastSeq).toBe(2);
  });
});

describe("positions: saved in one row, folded into the table when many", () => {
  it("keeps what a sync learned across a restart once saved, and asks again what was not", async () => {
    const { object, positions } = await open();
    await positions.upsert(state("g:a"));
    await positions.upsert(state("g:b"));
    await positions.pause("g:a");
    await positions.pause("g:b");
    let restarted = await object.open("positions", CHECKPOINT_MS);
    expect((await restarted.unsure()).sort()).toEqual(["g:a", "g:b"]);
    await restarted.attached("g:a", state("g:a", { lastSeq: 3, readSeq: 1 }));
    await restarted.attached("g:b", state("g:b", { lastSeq: 5 }));
    // Not saved yet: a restart now asks both again.
    expect((await (await object.open("positions", CHECKPOINT_MS)).unsure()).sort()).toEqual(["g:a", "g:b"]);
    await restarted.attached("g:a", state("g:a", { lastSeq: 3, readSeq: 1 }));
    await restarted.attached("g:b", state("g:b", { lastSeq: 5 }));
    await restarted.saveAll();
    restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual([]);
    expect((await restarted.get("g:a"))!.state).toMatchObject({ lastSeq: 3, readSeq: 1 });
    expect((await restarted.changedSince(0)).map((s) => [s.id, s.lastSeq]).sort()).toEqual([
      ["g:a", 3],
      ["g:b", 5],
    ]);
  });

  it("folds saved positions into the table past 200 conversations, losing none", async () => {
    const { object, positions } = await open();
    const ids = Array.from({ length: 205 }, (_, i) => `g:${i}`);
    for (const id of ids) await positions.upsert(state(id));
    for (const [i, id] of ids.entries()) await positions.advance(id, i + 1);
    await positions.saveAll();
    await positions.advance("g:0", 1, 1, Date.now() + CHECKPOINT_MS);
    const restarted = await object.open("positions", CHECKPOINT_MS);
    expect(await restarted.unsure()).toEqual([]);
    const seqs = new Map((await restarted.list()).map((s) => [s.id, s.lastSeq]));
    expect(ids.every((id, i) => seqs.get(id) === i + 1)).toBe(true);
    expect((await restarted.get("g:0"))!.state.readSeq).toBe(1);
  });
});
