/**
 * The storage-backed modules the module host builds inside workerd, where SQLite exists: for each, the arguments its
 * constructor takes besides the storage, and what it is. Plain types, shared by the host (worker.ts) and the tests.
 */
import type { LogOptions, MessageLog } from "../../../durable-objects/conversation/message-log.js";
import type { ConversationStore } from "../../../durable-objects/conversation/store.js";
import type { Conversations } from "../../../durable-objects/user-session/conversations.js";

export interface Modules {
  conversationStore: { args: [log: LogOptions]; instance: ConversationStore };
  messageLog: { args: [log: LogOptions]; instance: MessageLog };
  /** A UserSession's positions (user-session/conversations.ts), over the session's schema. */
  positions: { args: [checkpointMs: number]; instance: Conversations };
}

export type ModuleKind = keyof Modules;
