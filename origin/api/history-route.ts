/** `GET /v1/history/:conversationId?before=&after=&limit=`: the edge's history answer, read from Cassandra. */
import { errorResponse } from "../../protocol/errors.js";
import { Hono } from "hono";
import { parseHistoryQuery } from "../../protocol/http.js";
import { ID_RULES } from "../../protocol/limits.js";
import type { ApiDeps, ApiEnv } from "./deps.js";

export function historyRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().get("/:conversationId", async (c) => {
    const conversationId = c.req.param("conversationId");
    if (!ID_RULES.conversationId.pattern.test(conversationId))
      return errorResponse({ code: "bad_request", message: `conversationId: ${ID_RULES.conversationId.text}` });
    const query = parseHistoryQuery(c.req.query());
    if (!query.ok) return errorResponse(query.error);
    const page = await deps.messages.page(conversationId, query.value);
    return page.ok ? c.json(page.value) : errorResponse(page.error);
  });
}
