import type { Result } from "../../protocol/errors.js";
import type { HistoryQuery } from "../../protocol/http.js";
import type { HistoryPage, Message } from "../../protocol/message.js";

/**
 * Long-term storage of sequenced messages.
 *
 * Contract:
 * - `upsert` is keyed by (conversationId, seq): writing a message again, in any order, leaves exactly one copy (the
 *   last written). It resolves `ok` only once every message is durably written; on failure any subset may be written
 *   and the caller retries them all.
 * - `page` answers like the edge's `GET /v1/conversations/:id/messages`: messages ascending by seq, at most `limit`;
 *   `before` → the newest messages below it, `after` → the oldest above it, neither → the newest; `hasMore` says
 *   whether further messages exist in the direction the page was read (older for before/newest, newer for after).
 */
export interface MessageStore {
  upsert(messages: readonly Message[]): Promise<Result<void>>;
  page(conversationId: string, query: HistoryQuery): Promise<Result<HistoryPage>>;
  /** Reachability of the store, for `GET /healthz`. */
  check(): Promise<Result<void>>;
}
