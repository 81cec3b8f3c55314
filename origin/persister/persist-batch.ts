/**
 * One fetched batch of `chat.messages` (one partition): write its messages and members snapshots to Cassandra and
 * its malformed records to the dead-letter topic, then commit past the batch. Offsets are committed only after
 * every write succeeded, so a crash at any point re-reads records that may already be stored: harmless, since
 * message writes are keyed upserts and a members snapshot never replaces a newer one.
 */
import type { EachBatchPayload } from "kafkajs";
import { ok, type Result } from "../../protocol/errors.js";
import type { MessageEvent } from "../../protocol/events.js";
import { decodeRecord } from "../kafka/decode.js";
import { nextOffset, recordLag } from "../kafka/consumer.js";
import type { MembersSnapshot, MembersStore } from "../members/members-store.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import type { LogRecord, MessageLog } from "../message-log/message-log.js";
import type { MessageStore } from "../message-store/message-store.js";
import type { Logger } from "../shared/log.js";
import { deadLetters, persistedMessages } from "../shared/metrics.js";
import { retryWhileOwned } from "../shared/retry.js";

export interface PersistDeps {
  groupId: string;
  store: MessageStore;
  members: MembersStore;
  messageLog: MessageLog;
  log: Logger;
}

interface DecodedBatch {
  messages: MessageEvent[];
  snapshots: MembersSnapshot[];
  letters: LogRecord[];
}

export function persistBatch(deps: PersistDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const decoded = decodeBatch(payload);
    const written = await retryWhileOwned("persister", () => writeAll(deps, decoded), payload, deps.log);
    if (!written) return;
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(batch.lastOffset()) }] }],
    });
    persistedMessages.inc(decoded.messages.length);
    deadLetters.inc({ service: "persister" }, decoded.letters.length);
    recordLag(deps.groupId, batch);
  };
}

function decodeBatch({ batch }: EachBatchPayload): DecodedBatch {
  const decoded: DecodedBatch = { messages: [], snapshots: [], letters: [] };
  for (const record of batch.messages) {
    const d = decodeRecord(conversationRecord, batch.topic, batch.partition, record, "persister");
    if (!d.ok) decoded.letters.push(d.letter);
    else if (d.value.kind === "message") decoded.messages.push(d.value);
    else decoded.snapshots.push(d.value);
  }
  return decoded;
}

async function writeAll(deps: PersistDeps, { messages, snapshots, letters }: DecodedBatch): Promise<Result<void>> {
  const results = await Promise.all([deps.store.upsert(messages), deps.members.save(snapshots), deps.messageLog.append(letters)]);
  return results.find((r) => !r.ok) ?? ok(undefined);
}
