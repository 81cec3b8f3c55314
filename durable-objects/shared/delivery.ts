/**
 * What a Conversation hands a member's UserSession: the plain data of one fan-out call.
 * Messages travel pre-serialised (serialised once per message, not once per recipient).
 */
import type { ConversationInfo } from "../../protocol/index.js";

export interface MemberView extends ConversationInfo {
  lastSeq: number;
  /** False once the user has left or been removed: the session drops the conversation from its list. */
  active: boolean;
}

export interface DeliveredMessage {
  seq: number;
  /** The protocol's message object as JSON text: `{"conversationId",…,"sentAt"}`. */
  json: string;
}

export interface Delivery {
  conversationId: string;
  /** Present when the member has not yet seen the conversation's current membership and title. */
  info?: MemberView;
  /** Contiguous, ascending seqs starting right after the last seq this member confirmed (or `after`). */
  messages: DeliveredMessage[];
  /**
   * Set when the batch continues after messages lent with a send result and not confirmed yet: the session
   * must hold the conversation up to this seq, else it takes nothing and answers `behind`.
   */
  after?: number;
}

/**
 * A session's answer. `needInfo` says it has never been told about this conversation (its copy was lost or
 * never arrived): nothing was taken, and the next delivery must carry the conversation's info.
 */
export interface DeliveryReceipt {
  needInfo?: true;
  /** The batch's `after` is beyond this inbox: it holds the conversation up to this seq; continue from there. */
  behind?: number;
}
