import type { Result } from "../../protocol/errors.js";
import type { ActionEvent, MessageEvent } from "../../protocol/events.js";
import type { HistoryQuery } from "../../protocol/http.js";
import type { HistoryPage, SearchPage } from "../../protocol/message.js";
import type { OriginSearch } from "../../protocol/search.js";

/** An entry of a conversation's sequenced log as the stream carries it: a message, or an action on an earlier one. */
export type LogEntry = MessageEvent | ActionEvent;

/**
 * Long-term storage of conversations' sequenced logs.
 *
 * Contract:
 * - `upsert` keeps every entry, message or action, keyed by (conversationId, seq), and applies each action to the
 *   message it targets. What is stored is the outcome of the entries applied in seq order, whatever order they are
 *   written in and however often: writing an entry again changes nothing (no deleted body comes back, no reaction
 *   counts twice). It resolves `ok` only once every entry is durably written; on failure any subset may be written
 *   and the caller retries them all.
 * - `page` answers like the edge's `GET /v1/conversations/:id/messages`: messages only (actions are in their state),
 *   ascending by seq, at most `limit`, each in its current state (body, `editedAt`, `deleted` with an empty body,
 *   `reactions`, and the quote of the message it replies to); `before` → the newest messages below it, `after` → the
 *   oldest above it, neither → the newest; `hasMore` says whether further messages exist in the direction the page
 *   was read (older for before/newest, newer for after).
 * - `search` answers the edge's search across a user's conversations (`POST /v1/search`): the messages of the listed
 *   conversations (never another's) having every word of `q` as a whole word, case and diacritics aside
 *   (search-words.ts), newest first (sentAt, then conversationId, then seq), at most `limit`, each in its current
 *   state as `page` gives it: no action, no deleted message, an edited one by its new words only. `hasMore` says that
 *   further matches exist. Conversations are searched in the order listed (the most recently active first) and none
 *   is started once `signal` aborted: the answer is then what the searched ones gave, with `hasMore: true`, or
 *   `unavailable` when none was.
 */
export interface MessageStore {
  upsert(entries: readonly LogEntry[]): Promise<Result<void>>;
  page(conversationId: string, query: HistoryQuery): Promise<Result<HistoryPage>>;
  search(query: OriginSearch, signal: AbortSignal): Promise<Result<SearchPage>>;
  /** Reachability of the store, for `GET /healthz`. */
  check(): Promise<Result<void>>;
}
