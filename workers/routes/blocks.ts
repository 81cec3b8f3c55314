/**
 * `/v1/blocks` and `/v1/settings`: whom the user blocked, and whether it takes groups at once or is invited. Both live
 * in the user's own session; a block reaches the conversations it shares with the blocked user from there.
 */
import { Hono } from "hono";
import { parseBody, settingsBody, USER_ID } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { jsonBody, raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const blocks = new Hono<AppEnv>();

blocks.get("/", async (c) => c.json(unwrap(await userSession(c.env, c.get("userId")).blockList())));

blocks.put("/:userId", async (c) => {
  const session = userSession(c.env, c.get("userId"));
  return c.json(unwrap(await session.block(userParam(c.req.param("userId")), true)));
});

blocks.delete("/:userId", async (c) => {
  const session = userSession(c.env, c.get("userId"));
  return c.json(unwrap(await session.block(userParam(c.req.param("userId")), false)));
});

export const settings = new Hono<AppEnv>();

settings.get("/", async (c) => c.json(unwrap(await userSession(c.env, c.get("userId")).settings())));

settings.put("/", async (c) => {
  const change = unwrap(parseBody(settingsBody, await jsonBody(c)));
  return c.json(unwrap(await userSession(c.env, c.get("userId")).settings(change)));
});

function userParam(id: string): string {
  return USER_ID.test(id) ? id : raise("bad_request", "userId: not a valid user id");
}
