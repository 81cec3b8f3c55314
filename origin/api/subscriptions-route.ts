/** `POST /v1/push/subscriptions` `{"userId", "subscription"}` → 201 once stored. */
import { errorResponse } from "../../protocol/errors.js";
import { Hono } from "hono";
import { z } from "zod";
import { pushSubscriptionBody } from "../../protocol/http.js";
import { describeIssues, userId } from "../../protocol/schema.js";
import { refuseEndpoint } from "../../protocol/push-endpoint.js";
import type { ApiDeps, ApiEnv } from "./deps.js";

/** The edge's subscription body plus the user it authenticated (the origin trusts the signed edge for that). */
const subscribeBody = z.object({ userId, subscription: pushSubscriptionBody });

export function subscriptionsRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().post("/", async (c) => {
    const body = parseJson(c.get("rawBody"));
    const parsed = subscribeBody.safeParse(body);
    if (!parsed.success) return errorResponse({ code: "bad_request", message: describeIssues(parsed.error) });
    const { userId: user, subscription } = parsed.data;
    // The origin POSTs to this URL later: only push services the policy allows.
    const refused = refuseEndpoint(subscription.endpoint, deps.endpoints);
    if (refused) return errorResponse({ code: "bad_request", message: `subscription.endpoint: ${refused}` });
    const stored = await deps.subscriptions.add(user, subscription);
    return stored.ok ? c.json({ ok: true }, 201) : errorResponse(stored.error);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
