/**
 * One fetched batch of `chat.push` (one partition): valid offline events join the coalescer's windows, malformed
 * records go to the dead-letter topic. Offsets are committed as far as every earlier record was handled.
 */
import type { EachBatchPayload } from "kafkajs";
import { offlineEvent } from "../../protocol/events.js";
import { recordLag } from "../kafka/consumer.js";
import { decodeRecord } from "../kafka/decode.js";
import type { MessageLog } from "../message-log/message-log.js";
import type { Logger } from "../shared/log.js";
import { deadLetters } from "../shared/metrics.js";
import { retryWhileOwned } from "../shared/retry.js";
import type { Coalescer } from "./coalescer.js";
import type { CommitTracker } from "./commit-tracker.js";

export interface PushBatchDeps {
  groupId: string;
  tracker: CommitTracker;
  coalescer: Coalescer;
  messageLog: MessageLog;
  commit: () => Promise<void>;
  log: Logger;
}

export function pushBatch(deps: PushBatchDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const fresh = batch.messages.filter((record) => deps.tracker.isNew(partition, record.offset));
    const decoded = fresh.map((record) => decodeRecord(offlineEvent, topic, partition, record, "push"));
    const letters = decoded.flatMap((d) => (d.ok ? [] : [d.letter]));
    // Dead letters first: if they cannot be written, the batch is left untouched and read again later.
    if (letters.length > 0 && !(await retryWhileOwned("push", () => deps.messageLog.append(letters), payload, deps.log))) return;
    for (const d of decoded) {
      deps.tracker.begin(partition, d.offset);
      if (d.ok) deps.coalescer.add(d.value, { partition, offset: d.offset });
      else deps.tracker.finish(partition, d.offset);
    }
    deadLetters.inc({ service: "push" }, letters.length);
    if (!batch.isEmpty()) payload.resolveOffset(batch.lastOffset());
    recordLag(deps.groupId, batch);
    await deps.commit();
  };
}
