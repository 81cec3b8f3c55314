import type { PushSubscription } from "../../protocol/http.js";

export interface PushOptions {
  /** How long the push service keeps an undelivered notification. */
  ttlSeconds: number;
  /** Notifications with the same topic replace each other while undelivered (RFC 8030 §5.4). */
  topic?: string;
}

/**
 * What a failed send says about the subscription:
 * - `gone`: it no longer exists (404/410), or the endpoint policy refuses it: forget it now;
 * - `rejected`: the push service refused it (another 4xx but 429, or a redirect, which push services never send):
 *   forget it after a few in a row, since a transient refusal should not lose a device;
 * - `failed`: the service or the network failed (5xx, 429, timeout): keep it.
 */
export type PushVerdict = "gone" | "rejected" | "failed";

export type PushOutcome =
  { ok: true; status: number } | { ok: false; verdict: PushVerdict; status: number | null; message: string };

/**
 * Delivers one notification to one subscription's push service.
 *
 * Contract: the payload is encrypted for the subscription (RFC 8291, aes128gcm) and the request is authenticated with
 * the origin's VAPID key (RFC 8292). `send` never throws; it resolves when the push service answered or the request
 * failed, with its verdict on the subscription. Redirects are never followed.
 */
export interface PushSender {
  send(subscription: PushSubscription, payload: string, options: PushOptions): Promise<PushOutcome>;
}
