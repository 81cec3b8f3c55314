/** `GET /v1/presence?users=a,b`: online flags and last-seen times from Redis. */
import { Hono } from "hono";
import { parsePresenceQuery } from "../../protocol/http.js";
import type { OriginDeps, OriginEnv } from "./deps.js";
import { errorResponse } from "./respond.js";

export function presenceRoute(deps: OriginDeps): Hono<OriginEnv> {
  return new Hono<OriginEnv>().get("/", async (c) => {
    const users = parsePresenceQuery(c.req.query("users"));
    if (!users.ok) return errorResponse(c, users.error);
    const presence = await deps.presence.get(users.value);
    return presence.ok ? c.json({ presence: presence.value }) : errorResponse(c, presence.error);
  });
}
