/**
 * One fetched batch of `chat.messages` (one partition): every message becomes a notification window entry for each
 * member of its conversation who is offline and not its sender. Offsets are committed as far as every earlier record
 * was handled (commit-tracker.ts). Malformed records are skipped here: the persister dead-letters them.
 *
 * A message to a group of 1,024 members with 10 online makes 1,013 entries. They are made in turns of at most
 * FAN_OUT_PER_TURN, yielding between turns, so that other partitions' batches, the coalescer's flushes and the
 * consumer's heartbeats go on while a big group fans out; the sends then take turns by conversation (limiter.ts).
 */
import type { EachBatchPayload, KafkaMessage } from "kafkajs";
import { recordLag } from "../kafka/consumer.js";
import { decodeRecord } from "../kafka/decode.js";
import { conversationRecord } from "../message-log/conversation-record.js";
import type { Logger } from "../shared/log.js";
import { pushUnknownMembers } from "../shared/metrics.js";
import { retryWhileOwned } from "../shared/retry.js";
import type { Coalescer } from "./coalescer.js";
import type { CommitTracker } from "./commit-tracker.js";
import { recipientsOf, type Delivery, type ReadRecord, type RecipientsDeps } from "./recipients.js";

/** Window entries made between two yields to the event loop. */
const FAN_OUT_PER_TURN = 10_000;

export interface PushBatchDeps extends RecipientsDeps {
  groupId: string;
  tracker: CommitTracker;
  coalescer: Coalescer;
  commit: () => Promise<void>;
  log: Logger;
}

export function pushBatch(deps: PushBatchDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const records = batch.messages.filter((r) => deps.tracker.isNew(batch.partition, r.offset)).map((r) => read(deps, batch.topic, batch.partition, r));
    const found = await retryWhileOwned("push", () => recipientsOf(deps, batch.partition, records), payload, deps.log);
    if (!found) return;
    const { deliveries, online } = found.value;
    for (const turn of turns(deliveries)) {
      if (!payload.isRunning() || payload.isStale()) return;
      for (const delivery of turn) fanOut(deps, batch.partition, delivery, online);
      await new Promise(setImmediate);
      await payload.heartbeat();
    }
    if (!batch.isEmpty()) payload.resolveOffset(batch.lastOffset());
    recordLag(deps.groupId, batch);
    await deps.commit();
  };
}

function read(deps: PushBatchDeps, topic: string, partition: number, record: KafkaMessage): ReadRecord {
  const decoded = decodeRecord(conversationRecord, topic, partition, record, "push");
  if (!decoded.ok) deps.log.debug({ partition, offset: record.offset }, "malformed record skipped (the persister dead-letters it)");
  return { offset: record.offset, value: decoded.ok ? decoded.value : null };
}

/** The record's window entries; it stays pending until every window holding it was handled. */
function fanOut(deps: PushBatchDeps, partition: number, { offset, message, members }: Delivery, online: Set<string>): void {
  deps.tracker.begin(partition, offset);
  if (message && !members) {
    pushUnknownMembers.inc();
    deps.log.debug({ conversationId: message.conversationId, seq: message.seq }, "no members known for the conversation: no push");
  }
  if (message && members) {
    for (const userId of members) {
      if (userId === message.senderId || online.has(userId)) continue;
      deps.tracker.hold(partition, offset);
      deps.coalescer.add(userId, message, { partition, offset });
    }
  }
  deps.tracker.finish(partition, offset);
}

/** Consecutive deliveries of at most FAN_OUT_PER_TURN members each (at least one delivery). */
function* turns(deliveries: readonly Delivery[]): Generator<Delivery[]> {
  let turn: Delivery[] = [];
  let weight = 0;
  for (const delivery of deliveries) {
    const members = delivery.members?.length ?? 0;
    if (turn.length > 0 && weight + members > FAN_OUT_PER_TURN) {
      yield turn;
      turn = [];
      weight = 0;
    }
    turn.push(delivery);
    weight += members + 1;
  }
  if (turn.length > 0) yield turn;
}
