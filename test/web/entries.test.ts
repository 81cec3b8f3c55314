/** The page's rules for log entries: actions change the messages it holds, never show as messages themselves. */
import { describe, expect, it } from "vitest";
import { DEFAULT_EDIT_WINDOW_MS, type Action } from "../../protocol/actions.js";
import type { Message } from "../../protocol/message.js";
import { canDeleteForEveryone, canEdit, lastAfter, quoteOf, reactorsText, withEntry } from "../../web/state/entries.js";
import { SeqSets } from "../../web/state/seq-sets.js";

const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  conversationId: "c1",
  seq,
  senderId: "bob",
  clientMsgId: `k${seq}`,
  body: `m${seq}`,
  sentAt: 1_000,
  ...over,
});
const act = (seq: number, action: Action, senderId = "bob"): Message => msg(seq, { body: "", senderId, action });

describe("entries in a thread", () => {
  it("a message joins in seq order; an action changes its target and is not shown itself", () => {
    let thread = withEntry([msg(1)], msg(3));
    thread = withEntry(thread, msg(2));
    thread = withEntry(thread, act(4, { kind: "edit", target: 1, body: "fixed", editedAt: 5 }));
    thread = withEntry(thread, act(5, { kind: "react", target: 3, emoji: "👍", on: true, count: 1 }, "alice"));
    expect(thread.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(thread[0]).toMatchObject({ body: "fixed", editedAt: 5 });
    expect(thread[2]!.reactions).toEqual([{ emoji: "👍", count: 1, users: ["alice"] }]);
  });

  it("a delete leaves a tombstone, and the quotes of replies to it say it was deleted", () => {
    const reply = msg(2, { replyTo: { seq: 1, senderId: "bob", snippet: "m1" } });
    const thread = withEntry([msg(1), reply], act(3, { kind: "delete", target: 1 }));
    expect(thread[0]).toMatchObject({ body: "", deleted: true });
    expect(thread[1]!.replyTo).toEqual({ seq: 1, senderId: "bob", deleted: true });
  });

  it("an action on a message the page does not hold changes nothing (its page brings the current state)", () => {
    const thread = [msg(40)];
    expect(withEntry(thread, act(41, { kind: "delete", target: 3 }))).toEqual(thread);
  });

  it("the list's last message follows edits and deletes of it, and is never an action", () => {
    const last = msg(2);
    expect(lastAfter(last, act(3, { kind: "edit", target: 2, body: "new", editedAt: 9 }))?.body).toBe("new");
    expect(lastAfter(last, act(3, { kind: "delete", target: 2 }))?.deleted).toBe(true);
    expect(lastAfter(last, act(3, { kind: "delete", target: 1 }))).toBe(last);
    expect(lastAfter(undefined, act(3, { kind: "delete", target: 1 }))).toBeUndefined();
    expect(lastAfter(last, msg(3))?.seq).toBe(3);
    expect(lastAfter(msg(5), msg(4))?.seq).toBe(5);
  });
});

describe("what this user may do", () => {
  it("edits only its own messages, within the edit window, and not once deleted", () => {
    const mine = msg(1, { senderId: "alice" });
    expect(canEdit(mine, "alice", DEFAULT_EDIT_WINDOW_MS, 1_000 + DEFAULT_EDIT_WINDOW_MS)).toBe(true);
    expect(canEdit(mine, "alice", DEFAULT_EDIT_WINDOW_MS, 1_001 + DEFAULT_EDIT_WINDOW_MS)).toBe(false);
    expect(canEdit(mine, "bob", DEFAULT_EDIT_WINDOW_MS, 1_000)).toBe(false);
    expect(canEdit({ ...mine, deleted: true }, "alice", DEFAULT_EDIT_WINDOW_MS, 1_000)).toBe(false);
  });

  it("deletes for everyone only its own messages", () => {
    expect(canDeleteForEveryone(msg(1, { senderId: "alice" }), "alice")).toBe(true);
    expect(canDeleteForEveryone(msg(1), "alice")).toBe(false);
  });

  it("a reply quotes the start of the message; a reaction's tooltip names who, and how many more", () => {
    expect(quoteOf(msg(7, { body: "x".repeat(300) })).snippet).toHaveLength(120);
    expect(reactorsText({ emoji: "👍", count: 2, users: ["bob", "carol"] })).toBe("bob, carol");
    expect(reactorsText({ emoji: "👍", count: 25, users: ["bob", "carol"] })).toBe("bob, carol and 23 more");
  });
});

describe("seqs kept per conversation", () => {
  it("stay sorted and distinct, keep the newest past the limit, and forget through a seq", () => {
    const sets = new SeqSets({ c1: [3] }, 3);
    expect(sets.add("c1", [5, 1, 3])).toBe(true);
    expect(sets.add("c1", [5])).toBe(false);
    expect(sets.of("c1")).toEqual([1, 3, 5]);
    sets.add("c1", [9]);
    expect(sets.of("c1")).toEqual([3, 5, 9]);
    sets.dropThrough("c1", 5);
    expect(sets.has("c1", 9) && !sets.has("c1", 5)).toBe(true);
    sets.remove("c1", [9]);
    expect(sets.toJSON()).toEqual({});
  });
});
