/** The plain data that flows between edge, origin and clients. */
import type { Action, Quote, Reaction } from "./actions.js";
import type { Attachment } from "./attachments.js";

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
}

export type ConversationKind = "direct" | "group";

export interface ConversationInfo {
  id: string;
  kind: ConversationKind;
  title: string;
  members: string[];
  createdAt: number;
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
