/** `POST /v1/dev/token`: local development only (`DEV_AUTH=1`); otherwise this route does not exist. */
import { Hono } from "hono";
import { devTokenBody, parseBody } from "../../protocol/index.js";
import { issueToken } from "../auth.js";
import type { AppEnv } from "../context.js";
import { jsonBody, raise, unwrap } from "../errors.js";

export const dev = new Hono<AppEnv>();

dev.post("/token", async (c) => {
  const config = c.get("config");
  if (!config.devAuth) return raise("not_found", "no route for POST /v1/dev/token");
  if (!config.authSecret) return raise("internal", "AUTH_SECRET is not set");
  const { userId } = unwrap(parseBody(devTokenBody, await jsonBody(c)));
  return c.json({ token: await issueToken(config.authSecret, userId) });
});
