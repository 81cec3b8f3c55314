/**
 * `GET /v1/moderation/reports?after=&limit=&status=`: the moderation queue for an operator, oldest first, with the
 * cursor to ask next; `POST /v1/moderation/reports/:id/resolution`: the operator's decision on one. Authorized by
 * MODERATOR_TOKEN as a Bearer token, not by a user's token: an operator is no member. Without MODERATOR_TOKEN the
 * routes do not exist (404 like any unknown path), so an edge nobody moderates exposes nothing.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { parseBody, parseReportQuery, REPORT_ID, reportResolutionBody } from "../../protocol/index.js";
import { moderationDesk } from "../../durable-objects/moderation/rpc.js";
import { bearerToken } from "../auth.js";
import type { AppEnv } from "../context.js";
import { jsonBody, notFound, raise, unwrap } from "../errors.js";

export const moderation = new Hono<AppEnv>();

moderation.use("*", requireModerator());

moderation.get("/reports", async (c) => {
  const query = unwrap(parseReportQuery(c.req.query()));
  return c.json(unwrap(await moderationDesk(c.env.MODERATION).list(query)));
});

moderation.post("/reports/:id/resolution", async (c) => {
  const id = c.req.param("id");
  if (!REPORT_ID.test(id)) raise("bad_request", "report id must be a UUID");
  const body = unwrap(parseBody(reportResolutionBody, await jsonBody(c)));
  return c.json(unwrap(await moderationDesk(c.env.MODERATION).resolve(id, body)));
});

function requireModerator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.get("config").moderatorToken;
    if (!expected) return notFound(c);
    const token = bearerToken(c.req.header("Authorization"));
    if (!token || !(await sameSecret(token, expected)))
      return raise("unauthorized", token ? "invalid moderator token" : "missing moderator token");
    await next();
  };
}

/**
 * Compared in constant time over their SHA-256 digests: equal lengths for timingSafeEqual, and nothing of the token's
 * length or of where it first differs shows in the time the answer takes.
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
