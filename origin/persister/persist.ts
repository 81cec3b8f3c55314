/**
 * The persister's handler: one partition's batch of `chat.messages` written to Cassandra (its log entries, messages
 * and actions with their effects, and its members snapshots, the newest of each conversation winning) and its
 * malformed records to the dead-letter stream. The consumer commits past the batch only once all of it is written, so
 * a crash at any point re-reads records that may already be stored: harmless, since the store's writes come out as
 * in seq order however often they are made (message-store.ts) and a members snapshot never replaces a newer one.
 */
import { ok } from "../../protocol/errors.js";
import type { MembersSnapshot, MembersStore } from "../members/members-store.js";
import type { ConversationRecord } from "../message-log/conversation-record.js";
import type { BatchHandler } from "../message-log/log-consumer.js";
import type { MessageLog } from "../message-log/message-log.js";
import type { LogEntry, MessageStore } from "../message-store/message-store.js";
import { deadLetters, persistedMessages } from "../shared/metrics.js";

export interface PersistDeps {
  messages: MessageStore;
  members: MembersStore;
  /** Where malformed records go (its dead-letter stream). */
  messageLog: MessageLog;
}

export function persist(deps: PersistDeps): BatchHandler<ConversationRecord> {
  return async ({ events, malformed }) => {
    const entries: LogEntry[] = [];
    const snapshots: MembersSnapshot[] = [];
    for (const { value } of events) {
      if (value.kind === "members") snapshots.push(value);
      else entries.push(value);
    }
    const letters = malformed.map((m) => m.letter);
    const results = await Promise.all([
      deps.messages.upsert(entries),
      deps.members.save(snapshots),
      deps.messageLog.append(letters),
    ]);
    const failed = results.find((r) => !r.ok);
    if (failed) return failed;
    persistedMessages.inc(entries.length);
    deadLetters.inc({ service: "persister" }, letters.length);
    return ok(undefined);
  };
}
