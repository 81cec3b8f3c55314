import { describe, expect, it } from "vitest";
import { planMemberChange, type Roster } from "../../durable-objects/conversation/membership.js";
import type { Info } from "../../durable-objects/conversation/model.js";
import type { Role } from "../../protocol/index.js";

const group: Info = {
  id: "g:1",
  kind: "group",
  title: "t",
  creator: "alice",
  createdAt: 0,
  version: 1,
  history: "joined",
  mutes: 0,
};

/** alice is the admin; the others as given. */
function roster(roles: Record<string, Role> = { alice: "admin", bob: "member", carol: "member" }): Roster {
  const all = Object.values(roles);
  return {
    roleOf: (u) => roles[u],
    size: all.length,
    admins: all.filter((r) => r === "admin").length,
  };
}

describe("planMemberChange: who may change a group", () => {
  it("lets an admin add (invite) users, ignoring those already in or invited", () => {
    const r = roster({ alice: "admin", bob: "member", erin: "invited" });
    expect(planMemberChange(group, r, "alice", { add: ["dave", "bob", "erin"] }, 10)).toEqual({
      ok: true,
      value: { add: ["dave"], remove: [], promote: [], demote: [] },
    });
  });

  it("refuses a member that is not an admin adding, removing others, promoting or demoting", () => {
    for (const change of [{ add: ["dave"] }, { remove: ["carol"] }, { promote: ["carol"] }, { demote: ["alice"] }])
      expect(planMemberChange(group, roster(), "bob", change, 10)).toMatchObject({
        ok: false,
        error: { code: "forbidden", message: "only an admin adds, removes, promotes or demotes members" },
      });
  });

  it("lets any member remove itself (leave), and an admin remove anyone or withdraw an invite", () => {
    expect(planMemberChange(group, roster(), "bob", { remove: ["bob"] }, 10)).toMatchObject({
      ok: true,
      value: { remove: ["bob"] },
    });
    const r = roster({ alice: "admin", bob: "member", erin: "invited" });
    expect(planMemberChange(group, r, "alice", { remove: ["bob", "erin"] }, 10)).toMatchObject({
      ok: true,
      value: { remove: ["bob", "erin"] },
    });
  });

  it("promotes and demotes members only, and keeps at least one admin", () => {
    expect(planMemberChange(group, roster(), "alice", { promote: ["bob"] }, 10)).toMatchObject({
      ok: true,
      value: { promote: ["bob"] },
    });
    const invited = roster({ alice: "admin", erin: "invited" });
    expect(planMemberChange(group, invited, "alice", { promote: ["erin"] }, 10)).toMatchObject({
      ok: false,
      error: { code: "bad_request", message: "erin is not a member of this group" },
    });
    expect(planMemberChange(group, roster(), "alice", { demote: ["alice"] }, 10)).toMatchObject({
      ok: false,
      error: { code: "bad_request", message: "a group keeps at least one admin: promote another first" },
    });
    const two = roster({ alice: "admin", bob: "admin" });
    expect(planMemberChange(group, two, "bob", { demote: ["alice"] }, 10)).toMatchObject({ ok: true });
  });

  it("refuses to invite again someone who left the group or declined it", () => {
    expect(planMemberChange(group, roster(), "alice", { add: ["dave"] }, 10, new Set(["dave"]))).toEqual({
      ok: false,
      error: { code: "forbidden", message: "dave left this group or declined it and cannot be invited again" },
    });
  });

  it("refuses a user in two changes, direct conversations and groups over the limit", () => {
    expect(planMemberChange(group, roster(), "alice", { promote: ["bob"], remove: ["bob"] }, 10)).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(planMemberChange({ ...group, kind: "direct" }, roster(), "alice", { add: ["dave"] }, 10)).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(planMemberChange(group, roster(), "alice", { add: ["d", "e"] }, 4)).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
  });
});
