/** The conversation's memory of which clientMsgIds each sender used (conversation/sent-ids.ts): the idempotency window. */
import { describe, expect, it } from "vitest";
import { SentIds } from "../../durable-objects/conversation/sent-ids.js";

const WINDOW = 1_000;

describe("sent ids", () => {
  it("remembers each sender's ids apart, with the seq each got", () => {
    const ids = new SentIds(WINDOW, 0);
    ids.add("alice", "m1", 1, 0);
    ids.add("bob", "m1", 2, 10);
    expect([ids.get("alice", "m1"), ids.get("bob", "m1"), ids.get("carol", "m1")]).toEqual([1, 2, undefined]);
  });

  it("remembers an id for at least a window, across the turn of the maps", () => {
    const ids = new SentIds(WINDOW, 0);
    ids.add("alice", "m1", 1, 999);
    ids.add("alice", "m2", 2, 1_000);
    ids.add("alice", "m3", 3, 1_998);
    expect(ids.get("alice", "m1")).toBe(1);
  });

  it("forgets an id once the maps turned twice after it, at no cost per message", () => {
    const ids = new SentIds(WINDOW, 0);
    ids.add("alice", "m1", 1, 0);
    ids.add("alice", "m2", 2, 1_000);
    ids.add("alice", "m3", 3, 2_000);
    expect([ids.get("alice", "m1"), ids.get("alice", "m2"), ids.get("alice", "m3")]).toEqual([undefined, 2, 3]);
  });
});
