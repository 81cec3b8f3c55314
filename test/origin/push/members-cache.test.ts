/** MembersCache (pure): the snapshots the push service knows, bounded, and dropped with the partitions it loses. */
import { describe, expect, it } from "vitest";
import type { MembersSnapshot } from "../../../origin/members/members-store.js";
import { MembersCache } from "../../../origin/push/members-cache.js";

const snapshot = (conversationId: string, members: number): MembersSnapshot => ({
  conversationId,
  version: 1,
  members: Array.from({ length: members }, (_, i) => `u${i}`),
  at: 0,
});

describe("MembersCache", () => {
  it("answers a snapshot, null for one known not to exist, and undefined for one it must ask the store about", () => {
    const cache = new MembersCache(100);
    cache.set(0, "c1", snapshot("c1", 2));
    cache.set(0, "c2", null);
    expect(cache.get("c1")).toEqual(snapshot("c1", 2));
    expect(cache.get("c2")).toBeNull();
    expect(cache.get("c3")).toBeUndefined();
  });

  it("forgets the least recently used conversations once it holds more member ids than its bound", () => {
    const cache = new MembersCache(25);
    cache.set(0, "old", snapshot("old", 9));
    cache.set(0, "used", snapshot("used", 9));
    cache.get("old");
    cache.set(0, "new", snapshot("new", 9));
    expect(cache.get("used")).toBeUndefined();
    expect(cache.get("old")).toEqual(snapshot("old", 9));
    expect(cache.get("new")).toEqual(snapshot("new", 9));
  });

  it("keeps a snapshot larger than its bound alone, and replaces one conversation's entry without counting it twice", () => {
    const cache = new MembersCache(10);
    cache.set(0, "huge", snapshot("huge", 50));
    expect(cache.get("huge")).toEqual(snapshot("huge", 50));
    cache.set(0, "a", snapshot("a", 4));
    cache.set(0, "a", snapshot("a", 4));
    cache.set(0, "b", snapshot("b", 4));
    expect([cache.get("huge"), cache.get("a")?.members.length, cache.get("b")?.members.length]).toEqual([
      undefined,
      4,
      4,
    ]);
  });

  it("drops the conversations of partitions the consumer no longer owns", () => {
    const cache = new MembersCache(100);
    cache.set(0, "kept", snapshot("kept", 1));
    cache.set(1, "lost", snapshot("lost", 1));
    cache.set(2, "gone", null);
    cache.retain([0]);
    expect([cache.get("kept"), cache.get("lost"), cache.get("gone")]).toEqual([
      snapshot("kept", 1),
      undefined,
      undefined,
    ]);
  });
});
