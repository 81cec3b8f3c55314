/**
 * The safety controls as the page holds them: invites waiting for an answer (an invitee sees only the invite, never
 * the group's log), whom this user blocked and the direct conversations whose peer refused its messages, mutes, the
 * report being written, and what admins do to a group. Every change goes to the edge over HTTP; what it changes comes
 * back as `conversation` and `message` events on every device, and the answers update this tab at once.
 */
import type { ChatApi, ReportReason } from "../../client/api.js";
import type { ChatClient } from "../../client/chat-client.js";
import type { ErrorFrame } from "../../protocol/frames.js";
import type { ConversationInfo, ConversationState, Message } from "../../protocol/message.js";
import type { ChangeMembers, GroupSettings, SystemEvent } from "../../protocol/safety.js";
import { peerOf, type Conv } from "./model.js";

export const REPORT_REASONS: { value: ReportReason; label: string }[] = [
  { value: "spam", label: "Spam" },
  { value: "abuse", label: "Abuse" },
  { value: "harassment", label: "Harassment" },
  { value: "illegal", label: "Illegal content" },
  { value: "other", label: "Something else" },
];

/** protocol/safety.ts's MUTED_FOREVER, whose module would bring its validation (zod) into the page's bundle. */
const MUTED_FOREVER = 8_640_000_000_000_000;
const HOUR_MS = 3_600_000;
/** How long a mute lasts, as the page offers it (null: until turned off). */
export const MUTE_CHOICES: { label: string; ms: number | null }[] = [
  { label: "For 1 hour", ms: HOUR_MS },
  { label: "For 8 hours", ms: 8 * HOUR_MS },
  { label: "Until turned off", ms: null },
];

interface SafetyHost {
  readonly me: string;
  readonly api: ChatApi;
  readonly client: ChatClient;
  conversations: Record<string, Conv>;
  select(id: string | null): void;
  guard<T>(work: Promise<T>): Promise<T | undefined>;
  spawn(work: Promise<unknown>): void;
  notice(text: string): void;
  changed(): void;
}

export class Safety {
  /** Invites this user has not answered, by conversation. */
  invites: Record<string, ConversationState> = {};
  /** Users this user blocked. */
  blocked = new Set<string>();
  /** Direct conversations whose peer refused this user's messages: the edge's reason, shown instead of the composer. */
  refusals: Record<string, string> = {};
  /** The message a report is being written for. */
  reporting: Message | null = null;

  constructor(private readonly host: SafetyHost) {}

  start(): void {
    this.host.spawn(this.host.api.blocks().then((list) => this.setBlocked(list)));
  }

  /**
   * A conversation as the edge sent it: an invite is kept apart from the conversations (it has no log to show), and
   * leaves the list of invites once answered or withdrawn. Answers whether it is an invite.
   */
  onConversation(state: ConversationState): boolean {
    if (state.role === "invited") {
      this.invites[state.id] = state;
      return true;
    }
    delete this.invites[state.id];
    return false;
  }

  /** Accepting joins the group and opens it; declining drops the invite for good. */
  async answer(id: string, accept: boolean): Promise<void> {
    const info = await this.host.guard(this.host.client.answerInvite(id, accept));
    if (!info) return;
    const invite = this.invites[id];
    delete this.invites[id];
    // The edge's `conversation` frame may have come first, and made it a conversation already.
    const old = this.host.conversations[id];
    if (accept && (invite || old)) {
      const base = { receipts: {}, lastSeq: 0, readSeq: 0, ...invite, ...old };
      this.host.conversations[id] = { ...base, ...info, active: true, role: "member" };
      this.host.select(id);
    }
    this.host.changed();
  }

  async block(userId: string): Promise<void> {
    const list = await this.host.guard(this.host.client.block(userId));
    if (list) this.setBlocked(list);
  }

  async unblock(userId: string): Promise<void> {
    const list = await this.host.guard(this.host.client.unblock(userId));
    if (list) this.setBlocked(list);
  }

  /** A send the edge refused: in a direct conversation a refusal is the peer's block (or this user's own). */
  refused(conversationId: string, refusal: ErrorFrame): void {
    if (refusal.code !== "forbidden" || this.host.conversations[conversationId]?.kind !== "direct") return;
    this.refusals[conversationId] = refusal.message;
    this.host.changed();
  }

  /** The person tries writing again (the peer may have unblocked them meanwhile). */
  retry(conversationId: string): void {
    delete this.refusals[conversationId];
    this.host.changed();
  }

  /** Mutes for `ms` from now, or until turned off (null); `false` unmutes. */
  async mute(conv: Conv, ms: number | null | false): Promise<void> {
    const c = this.host.client;
    await this.host.guard(
      ms === false ? c.unmute(conv.id) : c.mute(conv.id, ms === null ? undefined : Date.now() + ms),
    );
  }

  startReport(message: Message): void {
    this.reporting = message;
    this.host.changed();
  }

  cancelReport(): void {
    this.reporting = null;
    this.host.changed();
  }

  /** Sends the report being written; `block` also blocks the sender (the edge does, and this tab shows it). */
  async report(reason: ReportReason, note: string, block: boolean): Promise<boolean> {
    const message = this.reporting;
    if (!message) return false;
    const sent = await this.host.guard(
      this.host.api.report(message.conversationId, message.seq, reason, note.trim() || undefined, block || undefined),
    );
    if (sent === undefined) return false;
    this.reporting = null;
    if (block) this.blocked = new Set([...this.blocked, message.senderId]);
    this.host.notice(block ? `Reported, and ${message.senderId} is blocked.` : "Reported. Thank you.");
    return true;
  }

  /** An admin's change of members (or a member leaving); the group's entries tell every member what happened. */
  async changeMembers(conv: Conv, change: ChangeMembers): Promise<boolean> {
    const info = await this.host.guard(this.host.client.changeMembers(conv.id, change));
    if (info) this.applyInfo(conv, info);
    return info !== undefined;
  }

  async changeGroup(conv: Conv, settings: GroupSettings): Promise<boolean> {
    const info = await this.host.guard(this.host.client.changeGroup(conv.id, settings));
    if (info) this.applyInfo(conv, info);
    return info !== undefined;
  }

  async leave(conv: Conv): Promise<void> {
    const info = await this.host.guard(this.host.client.leave(conv.id));
    if (!info) return;
    delete this.host.conversations[conv.id];
    this.host.select(null);
  }

  private applyInfo(conv: Conv, info: ConversationInfo): void {
    const { members, admins, invited, title, history } = info;
    Object.assign(conv, { members, admins, invited, title, history });
    this.host.changed();
  }

  private setBlocked(list: string[]): void {
    this.blocked = new Set(list);
    this.host.changed();
  }
}

/** Muted now (a mute for a time ends by itself). */
export function isMuted(conv: Conv, now = Date.now()): boolean {
  return (conv.mutedUntil ?? 0) > now;
}

/** What a muted conversation's icon says. */
export function mutedText(conv: Conv): string {
  const until = conv.mutedUntil ?? 0;
  if (until >= MUTED_FOREVER) return "Muted until turned off";
  return `Muted until ${new Date(until).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}`;
}

export function isAdmin(conv: Conv, userId: string): boolean {
  return conv.kind === "group" && conv.admins.includes(userId);
}

/**
 * Why this user cannot write in a conversation, as the edge says it: it blocked the peer of a direct conversation,
 * or the peer refused its messages. Null: it can write.
 */
export function blockedReason(conv: Conv, me: string, safety: Pick<Safety, "blocked" | "refusals">): string | null {
  const peer = peerOf(conv, me);
  if (peer && safety.blocked.has(peer)) return `You blocked ${peer}: unblock them to write here`;
  return safety.refusals[conv.id] ?? null;
}

/** A change of the group as a line between messages: "alice added bob", "bob joined". */
export function systemText(sender: string, event: SystemEvent, me: string): string {
  const who = (user: string) => (user === me ? "you" : user);
  const actor = sender === me ? "You" : sender;
  const users = "users" in event ? listOf(event.users.map(who)) : "";
  switch (event.kind) {
    case "invited":
      return `${actor} invited ${users}`;
    case "added":
      return `${actor} added ${users}`;
    case "joined":
      return `${actor} joined`;
    case "declined":
      return `${actor} declined the invite`;
    case "left":
      return `${actor} left`;
    case "removed":
      return `${actor} removed ${users}`;
    case "promoted":
      return `${actor} made ${users} ${event.users.length === 1 ? "an admin" : "admins"}`;
    case "demoted":
      return `${actor} removed ${users} as ${event.users.length === 1 ? "admin" : "admins"}`;
    case "renamed":
      return `${actor} renamed the group to “${event.title}”`;
    case "history":
      return event.history === "all"
        ? `${actor} let new members see earlier messages`
        : `${actor} showed new members only messages from their joining on`;
  }
}

function listOf(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
