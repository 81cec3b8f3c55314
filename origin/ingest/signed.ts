/**
 * Every `/v1/*` call comes from the edge and is signed (protocol.md, "Edge → origin"): HMAC-SHA256 over
 * `timestamp + "." + rawBody`, checked over the exact bytes received, before anything is parsed. Missing, malformed
 * or stale headers are refused before the body is read, so an unsigned caller cannot make the origin buffer it.
 */
import type { MiddlewareHandler } from "hono";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../protocol/events.js";
import { checkHeaders } from "../../protocol/signature.js";
import type { OriginEnv } from "./deps.js";
import { macMatches } from "./hmac.js";
import { readBody } from "./raw-body.js";
import { errorResponse } from "./respond.js";

const UNAUTHORIZED = { code: "unauthorized", message: "missing, forged or stale request signature" } as const;

export function signedRequests(secret: string, maxBodyBytes: number): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const timestamp = c.req.header(TIMESTAMP_HEADER);
    const signature = c.req.header(SIGNATURE_HEADER);
    if (!timestamp || !signature || !checkHeaders(timestamp, signature, Date.now())) return errorResponse(c, UNAUTHORIZED);
    const raw = await readBody(c.env.incoming, maxBodyBytes);
    if (!raw.ok) return errorResponse(c, raw.error);
    if (!macMatches(secret, timestamp, signature, raw.value)) return errorResponse(c, UNAUTHORIZED);
    c.set("rawBody", raw.value.toString("utf8"));
    await next();
  };
}
