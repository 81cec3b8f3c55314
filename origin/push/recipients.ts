/**
 * Whom the messages of one fetched batch (one partition) are for. A message (unless deleted) goes to its conversation's
 * members as of that point in the stream (the newest `members` snapshot read before it, else the stored one), less its
 * sender, the members who muted the conversation until after it was sent, and whoever is online (Redis presence): they
 * have a connected device, and the edge delivers to it. A change of the group (`system`) notifies nobody.
 */
import { ok, type Result } from "../../protocol/errors.js";
import type { MessageEvent } from "../../protocol/events.js";
import type { MembersSnapshot, MembersStore } from "../members/members-store.js";
import type { ConversationRecord } from "../message-log/conversation-record.js";
import type { Consumed } from "../message-log/log-consumer.js";
import type { PresenceStore } from "../presence/presence-store.js";
import { mapLimit } from "../shared/map-limit.js";
import type { MembersCache } from "./members-cache.js";

/** Store reads at once for conversations the cache does not know (after a restart or a rebalance). */
const STORE_READS = 16;

export interface RecipientsDeps {
  members: MembersStore;
  cache: MembersCache;
  presence: PresenceStore;
}

export interface Delivery {
  event: Consumed<ConversationRecord>;
  /** null for a record that is not a message, or a message already deleted: no notification. */
  message: MessageEvent | null;
  /** The message's conversation's members (null: none known, so no push), sender and online ones included. */
  members: readonly string[] | null;
}

export interface Recipients {
  deliveries: Delivery[];
  /** Which of the batch's members are online. */
  online: Set<string>;
}

/**
 * Snapshots newer than the known ones are saved to the store before this resolves, hence before any offset past them
 * is committed: after a restart the store answers what the stream said, whatever the persister's lag. Nothing is
 * cached unless every step succeeded, so a failed attempt can be retried as it was.
 */
export async function recipientsOf(
  deps: RecipientsDeps,
  partition: number,
  events: readonly Consumed<ConversationRecord>[],
): Promise<Result<Recipients>> {
  const known = await knownSnapshots(deps, events);
  if (!known.ok) return known;
  const snapshots = known.value;
  const newer: MembersSnapshot[] = [];
  const used = new Set<MembersSnapshot>();
  const deliveries = events.map((event): Delivery => {
    const { value } = event;
    if (value.kind === "members") {
      const current = snapshots.get(value.conversationId);
      if (!current || value.version > current.version) {
        snapshots.set(value.conversationId, value);
        newer.push(value);
      }
    }
    // An action notifies nobody, nor does a message deleted before it reached origin (its text is gone).
    if (value.kind !== "message" || value.deleted || value.system) return { event, message: null, members: null };
    const snapshot = snapshots.get(value.conversationId) ?? null;
    if (snapshot) used.add(snapshot);
    return { event, message: value, members: snapshot ? unmuted(snapshot, value.sentAt) : null };
  });
  const saved = await deps.members.save(newer);
  if (!saved.ok) return saved;
  const everyone = new Set<string>();
  for (const snapshot of used) for (const userId of snapshot.members) everyone.add(userId);
  const online = await deps.presence.online([...everyone]);
  if (!online.ok) return online;
  for (const [conversationId, snapshot] of snapshots) deps.cache.set(partition, conversationId, snapshot);
  return ok({ deliveries, online: online.value });
}

/** The snapshot's members but those who muted the conversation until after `at`. */
function unmuted(snapshot: MembersSnapshot, at: number): readonly string[] {
  const muted = snapshot.muted;
  return muted ? snapshot.members.filter((u) => (muted[u] ?? 0) <= at) : snapshot.members;
}

/** The snapshot of every conversation of the batch as known before it: cached, else stored (null: none). */
async function knownSnapshots(
  deps: RecipientsDeps,
  events: readonly Consumed<ConversationRecord>[],
): Promise<Result<Map<string, MembersSnapshot | null>>> {
  const known = new Map<string, MembersSnapshot | null>();
  const missing = new Set<string>();
  for (const { value } of events) {
    if (known.has(value.conversationId) || missing.has(value.conversationId)) continue;
    const cached = deps.cache.get(value.conversationId);
    if (cached === undefined) missing.add(value.conversationId);
    else known.set(value.conversationId, cached);
  }
  const stored = await mapLimit(
    [...missing],
    STORE_READS,
    async (conversationId) => [conversationId, await deps.members.get(conversationId)] as const,
  );
  for (const [conversationId, snapshot] of stored) {
    if (!snapshot.ok) return snapshot;
    known.set(conversationId, snapshot.value);
  }
  return ok(known);
}
