/**
 * Every `/v1/*` call comes from the edge and is signed (protocol.md, "Edge → origin"): HMAC-SHA256 over
 * `timestamp + "." + rawBody`, checked over the exact bytes received, before anything is parsed.
 */
import type { MiddlewareHandler } from "hono";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../protocol/events.js";
import { verifySignature } from "../../protocol/signature.js";
import type { OriginEnv } from "./deps.js";
import { errorResponse } from "./respond.js";

export function signedRequests(secret: string): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const raw = await c.req.text();
    const valid = await verifySignature(secret, c.req.header(TIMESTAMP_HEADER), c.req.header(SIGNATURE_HEADER), raw);
    if (!valid) return errorResponse(c, { code: "unauthorized", message: "missing, forged or stale request signature" });
    c.set("rawBody", raw);
    await next();
  };
}
