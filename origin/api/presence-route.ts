/** `GET /v1/presence?users=a,b`: online flags and last-seen times from Redis. */
import { errorResponse } from "../../protocol/errors.js";
import { Hono } from "hono";
import { parsePresenceQuery } from "../../protocol/http.js";
import type { ApiDeps, ApiEnv } from "./deps.js";

export function presenceRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().get("/", async (c) => {
    const users = parsePresenceQuery(c.req.query("users"));
    if (!users.ok) return errorResponse(users.error);
    const presence = await deps.presence.get(users.value);
    return presence.ok ? c.json({ presence: presence.value }) : errorResponse(presence.error);
  });
}
