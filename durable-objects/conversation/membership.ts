/**
 * Who may change a group (protocol.md, "Safety"): admins invite and remove members (an invitee removed is an invite
 * withdrawn), promote and demote; any member removes itself (leaves). No one who left a group or declined its invite
 * is invited again by others. Direct conversations never change. Pure: the Conversation asks, then the invitees'
 * sessions (blocks, settings), then the store writes.
 */
import { fail, ok, type ChangeMembers, type Result, type Role } from "../../protocol/index.js";
import type { Info } from "./model.js";

export interface MemberChange {
  /** Users to invite or add (their sessions decide which, or refuse). */
  add: string[];
  /** Members and invitees removed; the caller among them when it leaves. */
  remove: string[];
  promote: string[];
  demote: string[];
}

export interface Roster {
  roleOf(userId: string): Role | undefined;
  /** Members and invitees. */
  size: number;
  admins: number;
}

export function planMemberChange(
  info: Info,
  roster: Roster,
  caller: string,
  change: ChangeMembers,
  maxMembers: number,
  departed: ReadonlySet<string> = new Set(),
): Result<MemberChange> {
  if (info.kind !== "group") return fail("bad_request", "members of a direct conversation cannot change");
  const admin = roster.roleOf(caller) === "admin";
  const add = unique(change.add).filter((u) => roster.roleOf(u) === undefined);
  const remove = unique(change.remove).filter((u) => roster.roleOf(u) !== undefined);
  const promote = unique(change.promote);
  const demote = unique(change.demote);
  const touched = [...add, ...remove, ...promote, ...demote];
  if (new Set(touched).size < touched.length) return fail("bad_request", "a user appears in two changes at once");
  if (!admin && (add.length > 0 || remove.some((u) => u !== caller) || promote.length + demote.length > 0))
    return fail("forbidden", "only an admin adds, removes, promotes or demotes members");
  const left = add.find((u) => departed.has(u));
  if (left !== undefined)
    return fail("forbidden", `${left} left this group or declined it and cannot be invited again`);
  const notMember = [...promote, ...demote].find(
    (u) => roster.roleOf(u) === undefined || roster.roleOf(u) === "invited",
  );
  if (notMember !== undefined) return fail("bad_request", `${notMember} is not a member of this group`);
  if (roster.size + add.length - remove.length > maxMembers)
    return fail("bad_request", `a group has at most ${maxMembers} members`);
  const demotedAdmins = demote.filter((u) => roster.roleOf(u) === "admin").length;
  if (demotedAdmins > 0 && demotedAdmins + remove.filter((u) => roster.roleOf(u) === "admin").length >= roster.admins)
    return fail("bad_request", "a group keeps at least one admin: promote another first");
  return ok({ add, remove, promote, demote });
}

function unique(users: string[] | undefined): string[] {
  return [...new Set(users ?? [])];
}
