import { describe, expect, it } from "vitest";
import { planMemberChange } from "../../durable-objects/conversation/membership.js";
import type { Info } from "../../durable-objects/conversation/model.js";

const group: Info = { id: "g:1", kind: "group", title: "t", creator: "alice", createdAt: 0, version: 1 };

describe("planMemberChange: who may change a group's members", () => {
  it("lets any member add, ignoring users already in", () => {
    expect(planMemberChange(group, ["alice", "bob"], "bob", { add: ["carol", "alice"] }, 10)).toEqual({
      ok: true,
      value: { add: ["carol"], remove: [] },
    });
  });

  it("lets a member remove itself, and only the creator remove others", () => {
    expect(planMemberChange(group, ["alice", "bob", "carol"], "bob", { remove: ["bob"] }, 10)).toMatchObject({
      ok: true,
      value: { remove: ["bob"] },
    });
    expect(planMemberChange(group, ["alice", "bob", "carol"], "bob", { remove: ["carol"] }, 10)).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(planMemberChange(group, ["alice", "bob", "carol"], "alice", { remove: ["carol"] }, 10)).toMatchObject({
      ok: true,
      value: { remove: ["carol"] },
    });
  });

  it("refuses to add back someone who left the group by themselves", () => {
    expect(planMemberChange(group, ["alice", "bob"], "bob", { add: ["carol", "dave"] }, 10, new Set(["dave"]))).toEqual(
      {
        ok: false,
        error: { code: "forbidden", message: "dave left this group and cannot be added back by others" },
      },
    );
  });

  it("refuses direct conversations and groups over the limit", () => {
    expect(
      planMemberChange({ ...group, kind: "direct" }, ["alice", "bob"], "alice", { add: ["carol"] }, 10),
    ).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(planMemberChange(group, ["alice", "bob"], "alice", { add: ["c", "d"] }, 3)).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
  });
});
