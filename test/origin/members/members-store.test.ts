/**
 * The Cassandra members store on a real Cassandra: each conversation keeps its newest snapshot, whatever order or
 * concurrency the saves come in (a replay after a crash re-reads older ones), and its table is added to a keyspace
 * created before it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applySchema } from "../../../origin/cassandra/schema.js";
import { CassandraMembersStore } from "../../../origin/members/members-store-cassandra.js";
import type { MembersSnapshot } from "../../../origin/members/members-store.js";
import { useOriginRun } from "../support.js";

const run = useOriginRun("members", { services: ["cassandra", "kafka"] });
let store: CassandraMembersStore;

beforeAll(() => {
  store = new CassandraMembersStore(run.backends.cassandra, run.config.cassandra.keyspace);
});

const snapshot = (conversationId: string, version: number, members: string[]): MembersSnapshot => ({
  conversationId,
  version,
  members,
  at: 1_700_000_000_000 + version,
});

async function saved(...snapshots: MembersSnapshot[]): Promise<void> {
  expect(await store.save(snapshots)).toEqual({ ok: true, value: undefined });
}

describe("CassandraMembersStore", () => {
  it("answers null for a conversation without a snapshot", async () => {
    expect(await store.get("never-sent")).toEqual({ ok: true, value: null });
  });

  it("keeps the newest version: older ones saved after it (a replay) change nothing", async () => {
    await saved(snapshot("c-order", 1, ["alice", "bob"]));
    await saved(snapshot("c-order", 3, ["alice", "bob", "carol"]));
    await saved(snapshot("c-order", 2, ["alice", "bob", "carol", "dave", "erin"]));
    await saved(snapshot("c-order", 1, ["alice", "bob"]), snapshot("c-order", 3, ["alice", "bob", "carol"]));
    expect(await store.get("c-order")).toEqual({ ok: true, value: snapshot("c-order", 3, ["alice", "bob", "carol"]) });
  });

  it("keeps the members' mutes with the snapshot, and a newer snapshot without them clears them", async () => {
    const muted = { ...snapshot("c-mute", 1, ["alice", "bob"]), muted: { bob: 1_800_000_000_000 } };
    await saved(muted);
    expect(await store.get("c-mute")).toEqual({ ok: true, value: muted });
    await saved(snapshot("c-mute", 2, ["alice", "bob"]));
    expect(await store.get("c-mute")).toEqual({ ok: true, value: snapshot("c-mute", 2, ["alice", "bob"]) });
  });

  it("stores the newest snapshot of each conversation in one list, and an empty one as empty", async () => {
    await saved(
      snapshot("c-a", 2, ["a2"]),
      snapshot("c-b", 1, ["b1"]),
      snapshot("c-a", 5, ["a5"]),
      snapshot("c-a", 4, ["a4"]),
      snapshot("c-empty", 1, []),
    );
    expect(await store.get("c-a")).toEqual({ ok: true, value: snapshot("c-a", 5, ["a5"]) });
    expect(await store.get("c-b")).toEqual({ ok: true, value: snapshot("c-b", 1, ["b1"]) });
    expect(await store.get("c-empty")).toEqual({ ok: true, value: snapshot("c-empty", 1, []) });
  });

  it("ends with the highest version when saves of versions 1..12 race, in any order", async () => {
    const versions = [7, 2, 12, 1, 9, 4, 11, 3, 10, 5, 8, 6];
    const results = await Promise.all(versions.map((v) => store.save([snapshot("c-race", v, [`u${v}`])])));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(await store.get("c-race")).toEqual({ ok: true, value: snapshot("c-race", 12, ["u12"]) });
  });

  it("keeps versions past 2^31 and groups of 10,000 members", async () => {
    const crowd = Array.from({ length: 10_000 }, (_, i) => `member-${i}`);
    await saved(snapshot("c-big", 2 ** 40, crowd));
    expect(await store.get("c-big")).toEqual({ ok: true, value: snapshot("c-big", 2 ** 40, crowd) });
  });

  it("gets its table on a keyspace created before it: the schema applied at start adds it, and applies again unchanged", async () => {
    await run.backends.cassandra.execute(`DROP TABLE ${run.config.cassandra.keyspace}.conversation_members`);
    await applySchema(run.backends.cassandra, run.config.cassandra);
    await applySchema(run.backends.cassandra, run.config.cassandra);
    expect(await store.get("c-order")).toEqual({ ok: true, value: null });
    await saved(snapshot("c-order", 1, ["alice"]));
    expect(await store.get("c-order")).toEqual({ ok: true, value: snapshot("c-order", 1, ["alice"]) });
  });
});
