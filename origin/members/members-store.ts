import type { Result } from "../../protocol/errors.js";
import type { MembersEvent } from "../../protocol/events.js";

/** A conversation's members as of `version` (a `members` event without its kind). */
export type MembersSnapshot = Omit<MembersEvent, "kind">;

/**
 * The newest members snapshot of each conversation: what the push service falls back on when it has not read one in
 * the stream (after a restart its committed offsets may be past the conversation's last `members` event).
 *
 * Contract:
 * - `save` keeps, per conversation, the snapshot with the highest version: an older one changes nothing, whatever the
 *   order or concurrency of saves (a consumer replaying after a crash re-reads old ones). Two snapshots of one version
 *   are copies of one event (a conversation's version names one member list), so either may stay. It
 *   resolves `ok` once each conversation's newest snapshot of the list is stored or known to be superseded; on
 *   failure any subset may be stored and the caller retries them all.
 * - `get` answers the stored snapshot, or null when the conversation has none.
 */
export interface MembersStore {
  save(snapshots: readonly MembersSnapshot[]): Promise<Result<void>>;
  get(conversationId: string): Promise<Result<MembersSnapshot | null>>;
}

/** The highest version of each conversation in `snapshots`. */
export function newestPerConversation(snapshots: readonly MembersSnapshot[]): MembersSnapshot[] {
  const newest = new Map<string, MembersSnapshot>();
  for (const s of snapshots) {
    const known = newest.get(s.conversationId);
    if (!known || s.version > known.version) newest.set(s.conversationId, s);
  }
  return [...newest.values()];
}
