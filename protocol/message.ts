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

/** One entry of `GET /v1/conversations`. */
export interface ConversationSummary {
  id: string;
  kind: ConversationKind;
  title: string;
  members: string[];
  lastSeq: number;
  readSeq: number;
}

/** `GET /v1/conversations/:id`. */
export interface ConversationDetail extends ConversationInfo {
  lastSeq: number;
  readSeqs: Record<string, number>;
}

export interface SendResult {
  seq: number;
  sentAt: number;
  duplicate: boolean;
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

export interface Presence {
  online: boolean;
  lastSeen: number | null;
}
