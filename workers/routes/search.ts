/**
 * `GET /v1/search?q=&limit=`: messages with the query's words in any of the caller's conversations, newest first,
 * answered by the caller's own session (durable-objects/user-session/search-all.ts), which names only the caller's
 * conversations. Within one conversation, with paging: `GET /v1/conversations/:id/search`.
 */
import { Hono } from "hono";
import { parseSearchQuery } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const search = new Hono<AppEnv>();

search.get("/", async (c) => {
  const query = unwrap(parseSearchQuery(c.req.query()));
  if (query.before !== undefined) raise("bad_request", "before: pages only within one conversation's search");
  return c.json(unwrap(await userSession(c.env, c.get("userId")).search(query)));
});
