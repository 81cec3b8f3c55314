/**
 * `GET /v1/presence?users=a,b`: answered by the caller's own session, only for users who share a conversation
 * with the caller (anyone else looks offline and never seen), so presence leaks to no stranger and a made-up id
 * reaches no object.
 */
import { Hono } from "hono";
import { parsePresenceQuery } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const presence = new Hono<AppEnv>();

presence.get("/", async (c) => {
  const users = unwrap(parsePresenceQuery(c.req.query("users")));
  return c.json({ presence: unwrap(await userSession(c.env, c.get("userId")).presenceOf(users)) });
});
