/**
 * Search: what a query means wherever it is answered (a conversation's FTS5 index at the edge, origin's index across
 * a user's conversations), and the edge → origin search call.
 */
import { z } from "zod";
import { fail, ok, type Result } from "./errors.js";
import { optionalInt } from "./http.js";
import { SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX, SEARCH_QUERY_MAX, SEARCH_WORDS_MAX } from "./limits.js";
import * as f from "./schema.js";

export type SearchQuery = { q: string; before?: number; limit: number };

/** The words a search matches: runs of letters and digits, lower-cased, at most SEARCH_WORDS_MAX of them. */
export function searchWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).slice(0, SEARCH_WORDS_MAX);
}

/**
 * `?q=<words>&before=<seq>&limit=` 1–50 (default 20). Every word must be in a message (the last one may also start a
 * longer word); punctuation separates words, case and diacritics do not matter.
 */
export function parseSearchQuery(query: Record<string, string | undefined>): Result<SearchQuery> {
  const q = (query.q ?? "").trim();
  if (q.length > SEARCH_QUERY_MAX || !f.isWellFormed(q) || searchWords(q).length === 0)
    return fail("bad_request", `q: up to ${SEARCH_QUERY_MAX} chars with at least one word to search for`);
  const before = optionalInt(query.before, "before", 1);
  if (!before.ok) return before;
  const limit = optionalInt(query.limit, "limit", 1, SEARCH_PAGE_MAX);
  if (!limit.ok) return limit;
  const search: SearchQuery = { q, limit: limit.value ?? SEARCH_PAGE_DEFAULT };
  if (before.value !== undefined) search.before = before.value;
  return ok(search);
}

/** The conversations one search across a user's conversations covers at most (the most recently active). */
export const MAX_SEARCH_CONVERSATIONS = 1_000;

/**
 * `POST /v1/search` (edge → origin, signed): the messages with every word of `q` in these conversations (the
 * caller's, as its session lists them: origin trusts the edge for membership as it does for history), newest first.
 */
export const originSearchBody = z.object({
  q: f.text.max(SEARCH_QUERY_MAX),
  conversations: z.array(f.conversationId).min(1).max(MAX_SEARCH_CONVERSATIONS),
  limit: z.number().int().min(1).max(SEARCH_PAGE_MAX),
});
export type OriginSearch = z.infer<typeof originSearchBody>;
