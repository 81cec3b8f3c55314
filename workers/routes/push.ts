/**
 * `POST /v1/push/subscriptions`: with an origin, the subscription goes to origin (which sends the pushes);
 * without one, the user's session keeps it.
 */
import { Hono } from "hono";
import { parseBody, pushSubscriptionBody } from "../../protocol/index.js";
import { originFetch } from "../../durable-objects/shared/origin-client.js";
import type { AppEnv } from "../context.js";
import { jsonBody, raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const push = new Hono<AppEnv>();

push.post("/subscriptions", async (c) => {
  const subscription = unwrap(parseBody(pushSubscriptionBody, await jsonBody(c)));
  const userId = c.get("userId");
  const config = c.get("config");
  if (config.originUrl) {
    const res = await originFetch(config, "/v1/push/subscriptions", { method: "POST", body: JSON.stringify({ userId, subscription }) }).catch(() => null);
    if (!res?.ok) raise("unavailable", "origin did not take the subscription; retry later");
  } else {
    unwrap(await userSession(c.env, userId).addPushSubscription(userId, subscription));
  }
  return c.json({ ok: true }, 201);
});
