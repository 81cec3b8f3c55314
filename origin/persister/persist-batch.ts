/**
 * One fetched batch of `chat.messages` (one partition): write its messages to Cassandra and its malformed records to
 * the dead-letter topic, then commit past the batch. Offsets are committed only after both writes succeeded, so a
 * crash at any point re-reads records that may already be stored: harmless, since writes are keyed upserts.
 */
import type { EachBatchPayload } from "kafkajs";
import { ok, type Result } from "../../protocol/errors.js";
import { messageEvent, type MessageEvent } from "../../protocol/events.js";
import { decodeRecord } from "../kafka/decode.js";
import { nextOffset, recordLag } from "../kafka/consumer.js";
import type { LogRecord, MessageLog } from "../message-log/message-log.js";
import type { MessageStore } from "../message-store/message-store.js";
import type { Logger } from "../shared/log.js";
import { deadLetters, persistedMessages } from "../shared/metrics.js";
import { retryWhileOwned } from "../shared/retry.js";

export interface PersistDeps {
  groupId: string;
  store: MessageStore;
  messageLog: MessageLog;
  log: Logger;
}

export function persistBatch(deps: PersistDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const { messages, letters } = decodeBatch(payload);
    const written = await retryWhileOwned("persister", () => writeAll(deps, messages, letters), payload, deps.log);
    if (!written) return;
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(batch.lastOffset()) }] }],
    });
    persistedMessages.inc(messages.length);
    deadLetters.inc({ service: "persister" }, letters.length);
    recordLag(deps.groupId, batch);
  };
}

function decodeBatch({ batch }: EachBatchPayload): { messages: MessageEvent[]; letters: LogRecord[] } {
  const messages: MessageEvent[] = [];
  const letters: LogRecord[] = [];
  for (const record of batch.messages) {
    const decoded = decodeRecord(messageEvent, batch.topic, batch.partition, record, "persister");
    if (decoded.ok) messages.push(decoded.value);
    else letters.push(decoded.letter);
  }
  return { messages, letters };
}

async function writeAll(deps: PersistDeps, messages: MessageEvent[], letters: LogRecord[]): Promise<Result<void>> {
  const [stored, lettered] = await Promise.all([deps.store.upsert(messages), deps.messageLog.append(letters)]);
  if (!stored.ok) return stored;
  if (!lettered.ok) return lettered;
  return ok(undefined);
}
