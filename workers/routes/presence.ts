/** `GET /v1/presence?users=a,b`: each user's own session knows whether a device is connected right now. */
import { Hono } from "hono";
import { parsePresenceQuery, type Presence } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const presence = new Hono<AppEnv>();

presence.get("/", async (c) => {
  const users = unwrap(parsePresenceQuery(c.req.query("users")));
  const states = await Promise.all(users.map((u) => userSession(c.env, u).presence()));
  const answer: Record<string, Presence> = {};
  users.forEach((u, i) => (answer[u] = states[i]!));
  return c.json({ presence: answer });
});
