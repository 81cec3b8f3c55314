/**
 * Every `/v1/*` call comes from the edge and is signed (protocol.md, "Edge → origin"; protocol/signature.ts). In this
 * order, and nothing of the body read before step 5:
 * 1. headers missing, malformed or stale → 401;
 * 2. the MAC over method, path and query, timestamp, nonce and the body's declared hash → 401: a caller without
 *    the secret gets 401 and nothing else, and cannot make the origin buffer a byte;
 * 3. a declared length past MAX_INGEST_BYTES → 413, a chunked body (no declared length) → 400;
 * 4. the body's length reserved from the process's budget of unverified bytes, else 503 with Retry-After; then a
 *    nonce seen before by any ingest process → 401 (a captured request is served once). Claimed only after the MAC
 *    verified, so made-up nonces never reach the store;
 * 5. the body read and its hash compared with the signed one → 401 if it was changed on the way.
 */
import { errorResponse } from "../../protocol/errors.js";
import type { Context, MiddlewareHandler } from "hono";
import type { ChatError } from "../../protocol/errors.js";
import { SIGNATURE_MAX_SKEW_MS } from "../../protocol/events.js";
import {
  canonicalString,
  readSignatureHeaders,
  requestTarget,
  type SignatureHeaders,
} from "../../protocol/signature.js";
import type { ReplayGuard } from "../replay/replay-guard.js";
import { refusedRequests } from "../shared/metrics.js";
import type { BodyBudget } from "./body-budget.js";
import type { ApiEnv } from "./deps.js";
import { macMatches, sha256Hex } from "./hmac.js";
import { declaredLength, readBody } from "./raw-body.js";

/** Why a request is refused: `reason` labels `origin_refused_requests_total`, `error` is the answer. */
interface Refusal {
  reason: string;
  error: ChatError;
}

const UNSIGNED: Refusal = {
  reason: "signature",
  error: { code: "unauthorized", message: "missing, forged or stale request signature" },
};
const REPLAYED: Refusal = {
  reason: "replay",
  error: { code: "unauthorized", message: "request signature already used" },
};
const ALTERED: Refusal = {
  reason: "body_hash",
  error: { code: "unauthorized", message: "request body does not match its signature" },
};
const BUSY: Refusal = {
  reason: "busy",
  error: { code: "unavailable", message: "too many request bodies in flight; retry later", retryAfterMs: 1_000 },
};

/**
 * How long past its timestamp's freshness a nonce is remembered: ingest processes check freshness on their own
 * clocks, so one running this far behind would still take a replay the others had forgotten.
 */
const CLOCK_MARGIN_MS = 60_000;

export interface SignedOptions {
  secrets: string[];
  replays: ReplayGuard;
  budget: BodyBudget;
  maxBodyBytes: number;
}

export function signedRequests(options: SignedOptions): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const now = Date.now();
    const headers = readSignatureHeaders((name) => c.req.header(name), now);
    if (!headers) return refuse(c, UNSIGNED);
    const canonical = canonicalString({ method: c.req.method, target: requestTarget(new URL(c.req.url)), ...headers });
    if (!options.secrets.some((secret) => macMatches(secret, canonical, headers.signature))) return refuse(c, UNSIGNED);
    const length = declaredLength(c.env.incoming, options.maxBodyBytes);
    if (!length.ok)
      return refuse(c, { reason: length.error.code === "too_large" ? "too_large" : "no_length", error: length.error });
    if (!options.budget.reserve(length.value)) return refuse(c, BUSY);
    let refusal: Refusal | null;
    try {
      refusal = await verifyOnce(c, options, headers, now);
    } finally {
      options.budget.release(length.value);
    }
    if (refusal) return refuse(c, refusal);
    await next();
  };
}

/** Claims the nonce, then reads the body and checks it against its signed hash: null when both hold. */
async function verifyOnce(
  c: Context<ApiEnv>,
  options: SignedOptions,
  headers: SignatureHeaders,
  now: number,
): Promise<Refusal | null> {
  const first = await options.replays.claim(
    headers.nonce,
    Number(headers.timestamp) + SIGNATURE_MAX_SKEW_MS + CLOCK_MARGIN_MS - now,
  );
  if (!first.ok) return { reason: "replay_store", error: first.error };
  if (!first.value) return REPLAYED;
  const raw = await readBody(c.env.incoming, options.maxBodyBytes);
  if (!raw.ok) return { reason: "body_read", error: raw.error };
  if (sha256Hex(raw.value) !== headers.bodySha256) return ALTERED;
  c.set("rawBody", raw.value.toString("utf8"));
  return null;
}

function refuse(c: Context<ApiEnv>, refusal: Refusal): Response {
  refusedRequests.inc({ reason: refusal.reason });
  return errorResponse(refusal.error);
}
