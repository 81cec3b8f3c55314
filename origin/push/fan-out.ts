/**
 * Push's handler: every message of one partition's batch becomes a notification window entry for each member of its
 * conversation who is offline and not its sender. Each entry holds the message's record, so the consumer commits past
 * it only once every window carrying it was handled. Actions notify nobody; a delete takes its message out of the
 * windows still holding it (coalescer.ts). Malformed records are skipped here: the persister dead-letters them.
 *
 * A message to a group of 1,024 members with 10 online makes 1,013 entries. They are made in turns of at most
 * FAN_OUT_PER_TURN, yielding between turns, so that other partitions' batches, the coalescer's flushes and the
 * consumer's heartbeats go on while a big group fans out; the sends then take turns by conversation (limiter.ts).
 */
import { ok } from "../../protocol/errors.js";
import type { ConversationRecord } from "../message-log/conversation-record.js";
import type { BatchHandler, ConsumedBatch } from "../message-log/log-consumer.js";
import type { Logger } from "../shared/log.js";
import { pushUnknownMembers } from "../shared/metrics.js";
import type { Coalescer } from "./coalescer.js";
import { recipientsOf, type Delivery, type RecipientsDeps } from "./recipients.js";

/** Window entries made between two yields to the event loop. */
const FAN_OUT_PER_TURN = 10_000;

/** What a window entry carries: its record's release (the record is committed once every release was called). */
export type Release = () => void;

export interface FanOutDeps extends RecipientsDeps {
  coalescer: Coalescer<Release>;
  log: Logger;
}

export function fanOut(deps: FanOutDeps): BatchHandler<ConversationRecord> {
  return async (batch) => {
    for (const { offset } of batch.malformed)
      deps.log.debug(
        { partition: batch.partition, offset },
        "malformed record skipped (the persister dead-letters it)",
      );
    const found = await recipientsOf(deps, batch.partition, batch.events);
    if (!found.ok) return found;
    const { deliveries, online } = found.value;
    for (const turn of turns(deliveries)) {
      // Lost the partition: its next owner reads on from the first record not held here.
      if (!batch.owned()) return ok(undefined);
      for (const delivery of turn) enter(deps, batch, delivery, online);
      await batch.yield();
    }
    return ok(undefined);
  };
}

/** The delivery's window entries; its record stays held until every window holding it was handled. */
function enter(
  deps: FanOutDeps,
  batch: ConsumedBatch<ConversationRecord>,
  { event, message, members }: Delivery,
  online: Set<string>,
): void {
  const done = batch.hold(event);
  followAction(deps.coalescer, event.value);
  if (message && !members) {
    pushUnknownMembers.inc();
    deps.log.debug(
      { conversationId: message.conversationId, seq: message.seq },
      "no members known for the conversation: no push",
    );
  }
  if (message && members) {
    for (const userId of members) {
      if (userId === message.senderId || online.has(userId)) continue;
      deps.coalescer.add(userId, message, batch.hold(event));
    }
  }
  done();
}

/**
 * A delete for everyone: the message leaves every notification not sent yet, and what held its record there is let
 * go. One sent already cannot be recalled (origin/README.md, "Message actions"). An edit: a notification not sent yet
 * shows the new text (an empty body says a delete follows).
 */
function followAction(coalescer: Coalescer<Release>, record: ConversationRecord): void {
  if (record.kind !== "action") return;
  const { action } = record;
  if (action.kind === "edit" && action.body !== "") coalescer.revise(record.conversationId, action.target, action.body);
  if (action.kind !== "delete") return;
  for (const release of coalescer.retract(record.conversationId, action.target)) release();
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
