/** `GET /v1/history/:conversationId?before=&after=&limit=`: the edge's history answer, read from Cassandra. */
import { Hono } from "hono";
import { parseHistoryQuery } from "../../protocol/http.js";
import { CONVERSATION_ID } from "../../protocol/limits.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { errorResponse } from "./respond.js";

export function historyRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().get("/:conversationId", async (c) => {
    const conversationId = c.req.param("conversationId");
    if (!CONVERSATION_ID.test(conversationId)) return errorResponse(c, { code: "bad_request", message: "conversationId: must be 1-128 chars of [A-Za-z0-9:_-]" });
    const query = parseHistoryQuery(c.req.query());
    if (!query.ok) return errorResponse(c, query.error);
    const page = await deps.messages.page(conversationId, query.value);
    return page.ok ? c.json(page.value) : errorResponse(c, page.error);
  });
}
