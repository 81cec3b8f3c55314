/**
 * Every `/v1/*` call comes from the edge and is signed (protocol.md, "Edge → origin"; protocol/signature.ts). In this
 * order, each step before the next costs more:
 * 1. headers missing, malformed or stale → 401, before anything else;
 * 2. the MAC over method, path and query, timestamp, nonce and the body's declared hash → 401, before the body is
 *    read: an unsigned caller cannot make the origin buffer anything;
 * 3. a nonce seen before (by any ingest process) → 401: a captured request is served once. Checked only after the
 *    MAC verified, so made-up nonces never reach the store;
 * 4. the body read and its hash compared with the signed one → 401 if it was changed on the way.
 */
import type { MiddlewareHandler } from "hono";
import { SIGNATURE_MAX_SKEW_MS } from "../../protocol/events.js";
import { canonicalString, readSignatureHeaders, requestTarget } from "../../protocol/signature.js";
import type { ReplayGuard } from "../replay/replay-guard.js";
import type { OriginEnv } from "./deps.js";
import { macMatches, sha256Hex } from "./hmac.js";
import { readBody } from "./raw-body.js";
import { errorResponse } from "./respond.js";

const UNAUTHORIZED = { code: "unauthorized", message: "missing, forged or stale request signature" } as const;
const REPLAYED = { code: "unauthorized", message: "request signature already used" } as const;
const ALTERED = { code: "unauthorized", message: "request body does not match its signature" } as const;

/**
 * How long past its timestamp's freshness a nonce is remembered: ingest processes check freshness on their own
 * clocks, so one running this far behind would still take a replay the others had forgotten.
 */
const CLOCK_MARGIN_MS = 60_000;

export interface SignedOptions {
  secret: string;
  replays: ReplayGuard;
  maxBodyBytes: number;
}

export function signedRequests(options: SignedOptions): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const now = Date.now();
    const headers = readSignatureHeaders((name) => c.req.header(name), now);
    if (!headers) return errorResponse(c, UNAUTHORIZED);
    const canonical = canonicalString({ method: c.req.method, target: requestTarget(new URL(c.req.url)), ...headers });
    if (!macMatches(options.secret, canonical, headers.signature)) return errorResponse(c, UNAUTHORIZED);
    const first = await options.replays.claim(headers.nonce, Number(headers.timestamp) + SIGNATURE_MAX_SKEW_MS + CLOCK_MARGIN_MS - now);
    if (!first.ok) return errorResponse(c, first.error);
    if (!first.value) return errorResponse(c, REPLAYED);
    const raw = await readBody(c.env.incoming, options.maxBodyBytes);
    if (!raw.ok) return errorResponse(c, raw.error);
    if (sha256Hex(raw.value) !== headers.bodySha256) return errorResponse(c, ALTERED);
    c.set("rawBody", raw.value.toString("utf8"));
    await next();
  };
}
