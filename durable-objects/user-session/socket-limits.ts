/**
 * Every frame a socket sends costs tokens of that socket's own bucket, so no frame type can be repeated at will
 * (a `sync` of a full page for 38 bytes in, say). Memory only: a socket woken from hibernation starts with a full
 * bucket, which forgives only a socket that was quiet long enough to hibernate.
 */
import type { ChatError, ClientFrameType } from "../../protocol/index.js";
import { TokenBucket } from "./rate-limit.js";

/** A sync or a fetch answers with up to a page: it costs as much as that many small frames would. */
const FRAME_COST: Partial<Record<ClientFrameType, number>> = { sync: 10, fetch: 10 };

const buckets = new WeakMap<WebSocket, TokenBucket>();

export interface FrameLimits {
  frameLimitPerSec: number;
  frameLimitBurst: number;
}

/** Null when the socket may send this frame now, else the refusal (rate_limited, with when to retry). */
export function admitFrame(
  ws: WebSocket,
  type: ClientFrameType | null,
  limits: FrameLimits,
  now = Date.now(),
): ChatError | null {
  let bucket = buckets.get(ws);
  if (!bucket) buckets.set(ws, (bucket = new TokenBucket(limits.frameLimitPerSec, limits.frameLimitBurst, now)));
  const wait = bucket.take((type && FRAME_COST[type]) ?? 1, now);
  return wait === 0
    ? null
    : { code: "rate_limited", message: `too many frames on this socket; retry in ${wait} ms`, retryAfterMs: wait };
}
