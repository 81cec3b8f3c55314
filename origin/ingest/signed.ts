/**
 * Every `/v1/*` call comes from the edge and is signed (protocol.md, "Edge → origin"): HMAC-SHA256 over
 * `timestamp + "." + rawBody`, checked over the exact bytes received, before anything is parsed.
 */
import type { MiddlewareHandler } from "hono";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../protocol/events.js";
import type { OriginEnv } from "./deps.js";
import { verifySignatureSync } from "./hmac.js";
import { readBody } from "./raw-body.js";
import { errorResponse } from "./respond.js";

export function signedRequests(secret: string, maxBodyBytes: number): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const raw = await readBody(c.env.incoming, maxBodyBytes);
    if (!raw.ok) return errorResponse(c, raw.error);
    const valid = verifySignatureSync(secret, c.req.header(TIMESTAMP_HEADER), c.req.header(SIGNATURE_HEADER), raw.value);
    if (!valid) return errorResponse(c, { code: "unauthorized", message: "missing, forged or stale request signature" });
    c.set("rawBody", raw.value.toString("utf8"));
    await next();
  };
}
