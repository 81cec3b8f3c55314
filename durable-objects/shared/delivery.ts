/**
 * What a Conversation hands a member's UserSession in one call, and what the session answers: the plain data of
 * the call between the two objects. Messages travel pre-serialised (once per message, not once per recipient).
 */
import type { ConversationState } from "../../protocol/index.js";

export interface DeliveredMessage {
  seq: number;
  /** The protocol's message object as JSON text: `{"conversationId",…,"sentAt"}`. */
  json: string;
}

export interface Delivery {
  conversationId: string;
  /** The conversation as this member sees it: sent when its membership, title or this member's part changed. */
  info?: ConversationState;
  /** Ascending seqs, contiguous but for the member's own messages (its session sent those to its devices). */
  messages?: DeliveredMessage[];
  /** What the member's devices should show about the member's own messages (see conversation/receipts.ts). */
  receipt?: { userId?: string; deliveredSeq?: number; readSeq?: number };
  /** Someone else is typing: shown, never stored. */
  typing?: string;
}

/**
 * The session's answer. `live`: it has a device connected (and handed the messages to every device); when not, the
 * Conversation stops pushing until the session comes back for what it missed (`attach`). `epoch` is the session's
 * connection epoch, so an old answer cannot undo a newer `attach`. `readSeq`: a device shows the conversation, so
 * what arrived is read. `needInfo`: the session does not know the conversation; nothing was taken.
 */
export interface DeliveryAnswer {
  live: boolean;
  epoch: number;
  readSeq?: number;
  needInfo?: true;
}

/** What `attach` and `range` tell a member's session about the conversation besides the messages. */
export interface ConversationPosition {
  state: ConversationState;
  /** The oldest seq the conversation still has here; older ones are at origin or gone (resync). */
  oldestSeq: number;
}
