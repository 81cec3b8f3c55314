import type { Result } from "../../protocol/errors.js";
import type { PresenceEvent } from "../../protocol/events.js";
import type { Presence } from "../../protocol/message.js";

/**
 * Who is online, and when each user was last seen.
 *
 * Contract:
 * - `apply` records a presence event. The newest `at` wins per user: an older event applied later (a retried batch)
 *   changes nothing. Online lasts for the event's `leaseMs` (at most MAX_PRESENCE_LEASE_MS), or the store's TTL
 *   without one, unless renewed by another online event; offline ends it at once. `lastSeen` is the `at` of the
 *   newest event, online or offline, and never expires.
 * - `get` answers every user asked for; a user never seen is `{ online: false, lastSeen: null }`.
 * - `online` answers which of the users asked for are online now (the push service's question, for every message).
 */
export interface PresenceStore {
  apply(event: Pick<PresenceEvent, "userId" | "online" | "at" | "leaseMs">): Promise<Result<void>>;
  get(userIds: readonly string[]): Promise<Result<Record<string, Presence>>>;
  online(userIds: readonly string[]): Promise<Result<Set<string>>>;
  /** Reachability of the store, for `GET /healthz`. */
  check(): Promise<Result<void>>;
}
