/**
 * Who may change a conversation's members (protocol.md, `POST /v1/conversations/:id/members`):
 * groups only; a member may add anyone; a member may remove itself; the creator may remove anyone.
 */
import { fail, ok, type ChangeMembers, type Result } from "../../protocol/index.js";
import type { Info } from "./model.js";

export interface MemberChange {
  add: string[];
  remove: string[];
}

export function planMemberChange(info: Info, current: string[], caller: string, change: ChangeMembers, maxMembers: number): Result<MemberChange> {
  if (info.kind !== "group") return fail("bad_request", "members of a direct conversation cannot change");
  const members = new Set(current);
  const add = [...new Set(change.add ?? [])].filter((u) => !members.has(u));
  const remove = [...new Set(change.remove ?? [])].filter((u) => members.has(u));
  const foreign = remove.find((u) => u !== caller);
  if (foreign !== undefined && caller !== info.creator) return fail("forbidden", "only the creator may remove other members");
  if (members.size + add.length - remove.length > maxMembers) return fail("bad_request", `a group has at most ${maxMembers} members`);
  return ok({ add, remove: remove.filter((u) => !add.includes(u)) });
}
