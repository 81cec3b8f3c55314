/**
 * `POST /v1/search` `{"q", "conversations", "limit"}` → `{"messages", "hasMore"}`: the edge's search across a user's
 * conversations (the session lists them; origin trusts the signed edge for membership, as for history), answered by
 * the message store's index. Bounded in time: after SEARCH_BUDGET_MS no further conversation is searched, and the
 * answer is what was found, with `hasMore: true` (the edge gives up on origin after 10 s).
 */
import { Hono } from "hono";
import { errorResponse, fail, type Result } from "../../protocol/errors.js";
import { originSearchBody, searchWords, type OriginSearch } from "../../protocol/search.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { parseJsonBody } from "./json-body.js";

export const SEARCH_BUDGET_MS = 3_000;

export function searchRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().post("/", async (c) => {
    const query = parseSearch(c.get("rawBody"));
    if (!query.ok) return errorResponse(query.error);
    const page = await deps.messages.search(query.value, AbortSignal.timeout(SEARCH_BUDGET_MS));
    if (page.ok) return c.json(page.value);
    deps.log.warn({ err: page.error.message, conversations: query.value.conversations.length }, "search failed");
    return errorResponse(page.error);
  });
}

function parseSearch(raw: string): Result<OriginSearch> {
  const body = parseJsonBody(raw, originSearchBody);
  if (body.ok && searchWords(body.value.q).length === 0)
    return fail("bad_request", "q: at least one word to search for");
  return body;
}
