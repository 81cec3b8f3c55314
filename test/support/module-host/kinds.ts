/**
 * The storage-backed modules the module host builds inside workerd, where SQLite exists: for each, the arguments its
 * constructor takes besides the storage, and what it is. Plain types, shared by the host (worker.ts) and the tests.
 */
import type { LogOptions, MessageLog } from "../../../durable-objects/conversation/message-log.js";
import type { ConversationStore } from "../../../durable-objects/conversation/store.js";
import type { ReportStore } from "../../../durable-objects/moderation/store.js";
import type { Conversations } from "../../../durable-objects/user-session/conversations.js";

export interface Modules {
  conversationStore: { args: [log: LogOptions]; instance: ConversationStore };
  messageLog: { args: [log: LogOptions]; instance: MessageLog };
  /** A UserSession's positions (user-session/conversations.ts), over the session's schema. */
  positions: { args: [checkpointMs: number]; instance: Conversations };
  /** The moderation queue's reports (moderation/store.ts). */
  reportStore: { args: []; instance: ReportStore };
  /** Everything the object's SQLite holds, as text: what a test of deletion searches for words that must be gone. */
  storageText: { args: []; instance: StorageText };
  /** Statements run on the object's SQLite, with the rows each read and wrote: for shared/sql.ts. */
  sqlConsole: { args: []; instance: SqlConsole };
}

export interface Counted<T = unknown> {
  result: T;
  rowsRead: number;
  rowsWritten: number;
}

export interface SqlConsole {
  exec(query: string, ...bindings: unknown[]): Counted<Record<string, unknown>[]>;
  addMissingColumns(table: string, columns: string[]): Counted<void>;
  /** `create` names the table `{name}`. */
  rebuildWithoutRowid(table: string, create: string): Counted<void>;
}

export interface StorageText {
  /** Every value of every table (blobs decoded as UTF-8, lossily), one line per row. */
  dump(): string;
}

export type ModuleKind = keyof Modules;
