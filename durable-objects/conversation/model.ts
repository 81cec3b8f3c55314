/** The Conversation's plain data: what the store keeps in memory and in SQLite. */
import type { ConversationKind } from "../../protocol/index.js";

export interface Info {
  id: string;
  kind: ConversationKind;
  title: string;
  creator: string;
  createdAt: number;
  version: number;
  originSeq: number;
}

export interface Member {
  userId: string;
  /** Set when the user left: messages up to it are still owed to them, none after. */
  untilSeq: number | null;
  /** The member's session confirmed every message up to here (persisted lazily, see ConversationStore). */
  fanoutSeq: number;
  /**
   * Memory only: messages up to here went back to the member's session with its own send's result and are
   * not confirmed yet. The fan-out loop does not send them again; the alarm does if no confirmation came.
   */
  lentSeq: number;
  lentAt: number;
  infoVersion: number;
  readSeq: number;
  deliveredSeq: number;
}
