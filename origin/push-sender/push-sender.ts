import type { PushSubscription } from "../../protocol/http.js";

export interface PushOptions {
  /** How long the push service keeps an undelivered notification. */
  ttlSeconds: number;
  /** Notifications with the same topic replace each other while undelivered (RFC 8030 §5.4). */
  topic?: string;
}

/** `gone`: the push service says the subscription no longer exists (404/410); the caller should forget it. */
export type PushOutcome = { ok: true; status: number } | { ok: false; gone: boolean; status: number | null; message: string };

/**
 * Delivers one notification to one subscription's push service.
 *
 * Contract: the payload is encrypted for the subscription (RFC 8291, aes128gcm) and the request is authenticated with
 * the origin's VAPID key (RFC 8292). `send` never throws; it resolves when the push service answered or the request
 * failed, and says whether the subscription is gone.
 */
export interface PushSender {
  send(subscription: PushSubscription, payload: string, options: PushOptions): Promise<PushOutcome>;
}
