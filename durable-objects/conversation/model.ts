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
  fanoutSeq: number;
  infoVersion: number;
  readSeq: number;
  deliveredSeq: number;
}
