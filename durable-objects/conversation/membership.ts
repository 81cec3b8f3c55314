/**
 * Who may change a conversation's members (protocol.md, `POST /v1/conversations/:id/members`):
 * groups only; a member may add anyone except someone who left the group by themselves (no one is pulled back
 * into a group they left); a member may remove itself; the creator may remove anyone.
 */
import { fail, ok, type ChangeMembers, type Result } from "../../protocol/index.js";
import type { Info } from "./model.js";

export interface MemberChange {
  add: string[];
  remove: string[];
}

export function planMemberChange(
  info: Info,
  current: string[],
  caller: string,
  change: ChangeMembers,
  maxMembers: number,
  departed: ReadonlySet<string> = new Set(),
): Result<MemberChange> {
  if (info.kind !== "group") return fail("bad_request", "members of a direct conversation cannot change");
  const members = new Set(current);
  const add = [...new Set(change.add ?? [])].filter((u) => !members.has(u));
  const left = add.find((u) => departed.has(u));
  if (left !== undefined) return fail("forbidden", `${left} left this group and cannot be added back by others`);
  const remove = [...new Set(change.remove ?? [])].filter((u) => members.has(u));
  const foreign = remove.find((u) => u !== caller);
  if (foreign !== undefined && caller !== info.creator)
    return fail("forbidden", "only the creator may remove other members");
  if (members.size + add.length - remove.length > maxMembers)
    return fail("bad_request", `a group has at most ${maxMembers} members`);
  return ok({ add, remove: remove.filter((u) => !add.includes(u)) });
}
