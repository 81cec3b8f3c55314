/** The plain data that flows between edge, origin and clients. */
import type { Action, Quote, Reaction } from "./actions.js";
import type { Attachment } from "./attachments.js";
import type { HistoryVisibility, Role, SystemEvent } from "./safety.js";

/**
 * An entry of a conversation's log, as every member device sees it: a message, or (with `action`, and an empty body)
 * an action on an earlier message (protocol/actions.ts). A message read again (fetched, a history page, a search
 * result) carries its current state: the edited body and `editedAt`, `deleted` with an empty body, its reactions, and
 * the quote of the message it replies to.
 */
export interface Message {
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
  sentAt: number;
  replyTo?: Quote;
  editedAt?: number;
  deleted?: true;
  reactions?: Reaction[];
  action?: Action;
  /** Files and photos, as the edge verified them in R2 (gone once the message is deleted). */
  attachments?: Attachment[];
  /** A change of the group (protocol/safety.ts), made by the sender; the body is empty. */
  system?: SystemEvent;
}

export type ConversationKind = "direct" | "group";

export interface ConversationInfo {
  id: string;
  kind: ConversationKind;
  title: string;
  members: string[];
  createdAt: number;
  creator: string;
  /** A group's admins (its creator first, until demoted); none in a direct conversation. */
  admins: string[];
  /** Users invited to a group who have not answered yet: not members, they see nothing of the log. */
  invited: string[];
  /** What members who join a group see of its history (`all` for direct conversations). */
  history: HistoryVisibility;
}

/**
 * A conversation as one member's devices see it: an entry of `GET /v1/conversations`, of a `state` frame, of a
 * `conversation` frame. `lastSeq` is the newest seq, `readSeq` this user's read watermark; `active: false` once the
 * user left or was removed.
 */
export interface ConversationState extends ConversationInfo {
  lastSeq: number;
  readSeq: number;
  active: boolean;
  /** This user's part; `invited` comes with `invitedBy`, `active: false` and nothing of the log (lastSeq 0). */
  role?: Role;
  invitedBy?: string;
  /** Muted by this user until then (ms; MUTED_FOREVER: until turned off): no push, no unread pulse. */
  mutedUntil?: number;
  /** The oldest seq this user may see: after its joining, in a group that shows new members no earlier history. */
  visibleFrom?: number;
}

/** `GET /v1/conversations/:id`: with every member's delivered and read watermarks. */
export interface ConversationDetail extends ConversationInfo {
  lastSeq: number;
  readSeqs: Record<string, number>;
  deliveredSeqs: Record<string, number>;
}

export interface SendResult {
  seq: number;
  sentAt: number;
  duplicate: boolean;
  /** In a direct conversation whose other member has a device connected: how far it has it delivered and read. */
  deliveredSeq?: number;
  readSeq?: number;
  /** A reply: the quote, as the other members see it. */
  replyTo?: Quote;
  /** A message with attachments: the references as stored (size, type and hash as the edge has them). */
  attachments?: Attachment[];
  /** An action: what it did, as the other members see it (a reaction's count). */
  action?: Action;
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

/** `GET /v1/conversations/:id/search`: matching messages, newest first, in their current state. */
export interface SearchPage {
  messages: Message[];
  /**
   * More matches remain: in one conversation, ask again with `before` the last seq; across conversations, search the
   * conversation of interest on its own.
   */
  hasMore: boolean;
}

export interface Presence {
  online: boolean;
  lastSeen: number | null;
}
