/** The Conversation's plain data: what the store keeps in memory and in SQLite. */
import type { ConversationKind, HistoryVisibility, Role } from "../../protocol/index.js";

export interface Info {
  id: string;
  kind: ConversationKind;
  title: string;
  creator: string;
  createdAt: number;
  /** Bumped by every membership, role, title or setting change; each member is shown the current one. */
  version: number;
  /** What members who join see of the history. */
  history: HistoryVisibility;
  /** Bumped by every mute or unmute: origin is sent the members again (a mute concerns one member's devices only). */
  mutes: number;
}

export interface Member {
  userId: string;
  /** Durable: admin or member; `invited` until the user accepts (not a member: no messages, no history). */
  role: Role;
  invitedBy: string | null;
  /** The seq before the entry that made it a member (0 for the members a conversation was created with). */
  joinedSeq: number;
  /** Muted until then (ms), or not muted (null). */
  mutedUntil: number | null;
  /** Set when the user left or was removed (the last seq of its membership); the row goes once it was told. */
  untilSeq: number | null;
  /** The info version this member's session has (durable). */
  infoVersion: number;
  /**
   * Whether the member's session had a device connected when it last answered: only live members are pushed
   * messages; the others pull what they missed when a device comes back (durable, in member_state).
   */
  live: boolean;
  /** The session's connection epoch that `live` is from: an answer of an older epoch changes nothing. */
  epoch: number;
  /** How far the member's devices were handed the conversation, and have read it (durable, lazily). */
  deliveredSeq: number;
  readSeq: number;
  /** Memory only: the highest seq pushed to its session and confirmed. */
  pushedSeq: number;
  /** Memory only: this member's newest own message, and how far its devices were told others have it. */
  lastOwnSeq: number;
  relayedDelivered: number;
  relayedRead: number;
}

/**
 * A member as the store starts it: live (pushed to) until its session says it has no device, and up to date at
 * `seq` (a new member from the seq it joined at; one loaded after a restart from 0 until member_state says more).
 */
export function newMember(
  userId: string,
  seq: number,
  fields: Pick<Member, "untilSeq" | "infoVersion" | "role" | "invitedBy" | "joinedSeq" | "mutedUntil">,
): Member {
  return {
    userId,
    ...fields,
    live: true,
    epoch: 0,
    deliveredSeq: seq,
    readSeq: seq,
    pushedSeq: seq,
    lastOwnSeq: 0,
    relayedDelivered: 0,
    relayedRead: 0,
  };
}

/** A member now: not gone, and not only invited. */
export function isCurrent(member: Member): boolean {
  return member.untilSeq === null && member.role !== "invited";
}
