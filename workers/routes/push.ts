/**
 * Web Push: `GET /v1/push/key` publishes the VAPID public key browsers subscribe with (404 when push is not
 * configured); `POST /v1/push/subscriptions` checks the endpoint against the push endpoint policy (no internal
 * hosts), rate-limits the user in its session, then sends the subscription to origin, which sends the pushes. Without
 * an origin nothing sends push: the subscription is accepted (and rate-limited) but not kept.
 */
import { Hono } from "hono";
import { parseBody, pushSubscriptionBody, refuseEndpoint } from "../../protocol/index.js";
import { OriginClient } from "../../durable-objects/shared/origin-client.js";
import type { AppEnv } from "../context.js";
import { jsonBody, raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const push = new Hono<AppEnv>();

push.get("/key", (c) => {
  const key = c.get("config").vapidPublicKey;
  return key ? c.json({ publicKey: key }) : raise("not_found", "push is not configured (VAPID_PUBLIC_KEY)");
});

push.post("/subscriptions", async (c) => {
  const subscription = unwrap(parseBody(pushSubscriptionBody, await jsonBody(c)));
  const config = c.get("config");
  const refused = refuseEndpoint(subscription.endpoint, config.pushEndpoints);
  if (refused) raise("bad_request", `endpoint: ${refused}`);
  const userId = c.get("userId");
  unwrap(await userSession(c.env, userId).admitPushSubscription());
  if (config.originUrl) {
    const origin = new OriginClient(config, { source: "Worker", name: () => userId });
    if (!(await origin.post("/v1/push/subscriptions", JSON.stringify({ userId, subscription }))))
      raise("unavailable", "origin did not take the subscription; retry later");
  }
  return c.json({ ok: true }, 201);
});
