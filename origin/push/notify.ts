/**
 * Handles one coalesced notification: look up the user's subscriptions (at most the store's cap), send the payload
 * to each through the process's send limiter, and forget the ones whose push service says they are gone (404/410),
 * or that it refused `maxRejections` times in a row (another 4xx but 429, or a redirect: a push service kept
 * answering 400 or 403 would otherwise cost a send per message forever). A push service that fails otherwise is
 * counted and logged, not retried: a notification is a hint, and the conversation itself is durable.
 */
import { createHash } from "node:crypto";
import { ok, type Result } from "../../protocol/errors.js";
import { previewOf } from "../../protocol/events.js";
import type { PushSender, PushVerdict } from "../push-sender/push-sender.js";
import type { Limiter } from "../shared/limiter.js";
import type { Logger } from "../shared/log.js";
import { pushesFailed, pushesSent } from "../shared/metrics.js";
import type { StoredSubscription, SubscriptionStore } from "../subscriptions/subscription-store.js";
import type { Notification } from "./coalescer.js";

export interface NotifyDeps {
  subscriptions: SubscriptionStore;
  sender: PushSender;
  /**
   * Bound the subscription reads and the sends in flight across every notification of the process (a send is an
   * ECDH and a request), both taken in turn by conversation: a message to a big group makes a notification per
   * offline member at once, and another conversation's must not wait for all of them.
   */
  reads: Limiter;
  sends: Limiter;
  /** Refusals in a row after which a subscription is removed. */
  maxRejections: number;
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
export async function notify(deps: NotifyDeps, n: Notification<unknown>): Promise<boolean> {
  const subscriptions = await deps.reads.run(n.conversationId, () => deps.subscriptions.list(n.userId));
  if (!subscriptions.ok) {
    deps.log.warn({ err: subscriptions.error.message, userId: n.userId }, "cannot read push subscriptions; will retry");
    return false;
  }
  const { conversationId, senderId, body, seq } = n.latest;
  const payload: PushPayload = { conversationId, senderId, preview: previewOf(body), count: n.count, seq };
  const json = JSON.stringify(payload);
  await Promise.all(subscriptions.value.map((s) => deliver(deps, n, s, json)));
  return true;
}

async function deliver(
  deps: NotifyDeps,
  { userId, conversationId }: Notification<unknown>,
  subscription: StoredSubscription,
  body: string,
): Promise<void> {
  const options = { ttlSeconds: deps.ttlSeconds, topic: topicOf(conversationId) };
  const outcome = await deps.sends.run(conversationId, () => deps.sender.send(subscription, body, options));
  if (outcome.ok) pushesSent.inc();
  else {
    pushesFailed.inc({ reason: outcome.verdict === "failed" ? "error" : outcome.verdict });
    deps.log.info(
      { userId, endpoint: subscription.endpoint, status: outcome.status, err: outcome.message },
      "push not delivered",
    );
  }
  const written = await bookkeeping(deps, userId, subscription, outcome.ok ? "delivered" : outcome.verdict);
  // The next send's outcome writes it again.
  if (!written.ok)
    deps.log.warn(
      { err: written.error.message, userId, endpoint: subscription.endpoint },
      "cannot update a push subscription after a send",
    );
}

/** What a send's outcome changes in the store: the count of refusals in a row, or the subscription's removal. */
function bookkeeping(
  deps: NotifyDeps,
  userId: string,
  s: StoredSubscription,
  verdict: PushVerdict | "delivered",
): Promise<Result<void>> {
  const rejections = verdict === "rejected" ? s.rejections + 1 : 0;
  if (verdict === "gone" || rejections >= deps.maxRejections) {
    deps.log.info({ userId, endpoint: s.endpoint, verdict, rejections }, "push subscription removed");
    return deps.subscriptions.remove(userId, s.endpoint);
  }
  // A failure of the service or the network says nothing about the subscription.
  if (verdict === "failed" || rejections === s.rejections) return Promise.resolve(ok(undefined));
  return deps.subscriptions.setRejections(userId, s.endpoint, rejections);
}

/** One Web Push topic per conversation (≤ 32 url-safe chars): a newer notification replaces an undelivered older one. */
function topicOf(conversationId: string): string {
  return createHash("sha256").update(conversationId).digest("base64url").slice(0, 32);
}
