/** The page's safety rules: how changes of a group read, who may delete for everyone, blocks and mutes. */
import { describe, expect, it } from "vitest";
import type { Message } from "../../protocol/message.js";
import type { SystemEvent } from "../../protocol/safety.js";
import { canDeleteForEveryone } from "../../web/state/entries.js";
import type { Conv } from "../../web/state/model.js";
import { blockedReason, isAdmin, isMuted, mutedText, systemText } from "../../web/state/safety.js";

const conv = (over: Partial<Conv> = {}): Conv => ({
  id: "c1",
  kind: "group",
  title: "club",
  members: ["alice", "bob", "carol"],
  createdAt: 0,
  creator: "alice",
  admins: ["alice"],
  invited: [],
  history: "joined",
  active: true,
  lastSeq: 5,
  readSeq: 5,
  receipts: {},
  ...over,
});
const msg = (over: Partial<Message> = {}): Message => ({
  conversationId: "c1",
  seq: 1,
  senderId: "bob",
  clientMsgId: "k1",
  body: "hi",
  sentAt: 0,
  ...over,
});

describe("changes of a group as lines", () => {
  it("names the actor and the users, with “you” for this user", () => {
    const lines: [string, SystemEvent, string][] = [
      ["alice", { kind: "invited", users: ["bob"] }, "alice invited you"],
      ["alice", { kind: "added", users: ["bob", "carol", "dave"] }, "alice added you, carol and dave"],
      ["carol", { kind: "joined" }, "carol joined"],
      ["bob", { kind: "joined" }, "You joined"],
      ["carol", { kind: "declined" }, "carol declined the invite"],
      ["carol", { kind: "left" }, "carol left"],
      ["bob", { kind: "removed", users: ["carol"] }, "You removed carol"],
      ["alice", { kind: "promoted", users: ["bob"] }, "alice made you an admin"],
      ["alice", { kind: "promoted", users: ["bob", "carol"] }, "alice made you and carol admins"],
      ["bob", { kind: "demoted", users: ["alice"] }, "You removed alice as admin"],
      ["alice", { kind: "renamed", title: "Hiking" }, "alice renamed the group to “Hiking”"],
      ["alice", { kind: "history", history: "all" }, "alice let new members see earlier messages"],
      ["alice", { kind: "history", history: "joined" }, "alice showed new members only messages from their joining on"],
    ];
    for (const [sender, event, text] of lines) expect(systemText(sender, event, "bob")).toBe(text);
  });
});

describe("who may do what", () => {
  it("deletes for everyone: the sender, and a group's admins; never a change of the group or a deleted message", () => {
    expect(canDeleteForEveryone(msg(), "bob", conv())).toBe(true);
    expect(canDeleteForEveryone(msg(), "alice", conv())).toBe(true);
    expect(canDeleteForEveryone(msg(), "carol", conv())).toBe(false);
    expect(canDeleteForEveryone(msg({ deleted: true, body: "" }), "alice", conv())).toBe(false);
    expect(canDeleteForEveryone(msg({ system: { kind: "joined" }, body: "" }), "bob", conv())).toBe(false);
    const direct = conv({ kind: "direct", members: ["alice", "bob"], admins: [] });
    expect(canDeleteForEveryone(msg(), "alice", direct)).toBe(false);
    expect(isAdmin(conv(), "alice")).toBe(true);
    expect(isAdmin(conv(), "bob")).toBe(false);
  });

  it("a direct conversation is closed while either blocks the other; a group is not", () => {
    const direct = conv({ kind: "direct", members: ["alice", "bob"], admins: [] });
    const none = { blocked: new Set<string>(), refusals: {} };
    expect(blockedReason(direct, "alice", none)).toBeNull();
    expect(blockedReason(direct, "alice", { ...none, blocked: new Set(["bob"]) })).toBe(
      "You blocked bob: unblock them to write here",
    );
    const refused = { ...none, refusals: { c1: "bob does not accept messages from you" } };
    expect(blockedReason(direct, "alice", refused)).toBe("bob does not accept messages from you");
    expect(blockedReason(conv(), "alice", { ...none, blocked: new Set(["bob"]) })).toBeNull();
  });

  it("a mute for a time ends by itself; one until turned off says so", () => {
    expect(isMuted(conv())).toBe(false);
    expect(isMuted(conv({ mutedUntil: 2_000 }), 1_000)).toBe(true);
    expect(isMuted(conv({ mutedUntil: 2_000 }), 2_000)).toBe(false);
    expect(mutedText(conv({ mutedUntil: 8_640_000_000_000_000 }))).toBe("Muted until turned off");
    expect(mutedText(conv({ mutedUntil: Date.UTC(2030, 0, 1) }))).toMatch(/^Muted until \S/);
  });
});
