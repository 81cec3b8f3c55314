/**
 * Handles one coalesced notification: look up the user's subscriptions, send the payload to each, and forget the
 * ones whose push service says they are gone (404/410). A push service that fails otherwise is counted and logged,
 * not retried: a notification is a hint, and the conversation itself is durable.
 */
import { createHash } from "node:crypto";
import type { PushSubscription } from "../../protocol/http.js";
import type { PushSender } from "../push-sender/push-sender.js";
import type { Logger } from "../shared/log.js";
import { pushesFailed, pushesSent } from "../shared/metrics.js";
import type { SubscriptionStore } from "../subscriptions/subscription-store.js";
import type { Notification } from "./coalescer.js";

export interface NotifyDeps {
  subscriptions: SubscriptionStore;
  sender: PushSender;
  ttlSeconds: number;
  log: Logger;
}

/** The JSON the service worker receives. */
export interface PushPayload {
  conversationId: string;
  senderId: string;
  preview: string;
  count: number;
  seq: number;
}

/** false when the subscriptions could not be read: the window is retried later. */
export async function notify(deps: NotifyDeps, n: Notification): Promise<boolean> {
  const subscriptions = await deps.subscriptions.list(n.userId);
  if (!subscriptions.ok) {
    deps.log.warn({ err: subscriptions.error.message, userId: n.userId }, "cannot read push subscriptions; will retry");
    return false;
  }
  const { conversationId, senderId, preview, seq } = n.latest;
  const payload: PushPayload = { conversationId, senderId, preview, count: n.count, seq };
  const body = JSON.stringify(payload);
  await Promise.all(subscriptions.value.map((s) => deliver(deps, n.userId, s, body, topicOf(conversationId))));
  return true;
}

async function deliver(deps: NotifyDeps, userId: string, subscription: PushSubscription, body: string, topic: string): Promise<void> {
  const outcome = await deps.sender.send(subscription, body, { ttlSeconds: deps.ttlSeconds, topic });
  if (outcome.ok) {
    pushesSent.inc();
    return;
  }
  pushesFailed.inc({ reason: outcome.gone ? "gone" : "error" });
  deps.log.info({ userId, endpoint: subscription.endpoint, status: outcome.status, err: outcome.message }, "push not delivered");
  if (!outcome.gone) return;
  const removed = await deps.subscriptions.remove(userId, subscription.endpoint);
  if (!removed.ok) deps.log.warn({ err: removed.error.message, userId }, "cannot remove a gone push subscription");
}

/** One Web Push topic per conversation (≤ 32 url-safe chars): a newer notification replaces an undelivered older one. */
function topicOf(conversationId: string): string {
  return createHash("sha256").update(conversationId).digest("base64url").slice(0, 32);
}
