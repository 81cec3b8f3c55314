/** The plain data that flows between edge, origin and clients. */

/** A sequenced message, as every member device sees it. */
export interface Message {
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
  sentAt: number;
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
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

export interface Presence {
  online: boolean;
  lastSeen: number | null;
}
