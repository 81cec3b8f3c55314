import type { Result } from "../../protocol/errors.js";
import type { PushSubscription } from "../../protocol/http.js";

/** A stored subscription and how many sends in a row its push service has refused. */
export interface StoredSubscription extends PushSubscription {
  rejections: number;
}

/**
 * The Web Push subscriptions of each user (one per browser/device endpoint), at most `maxPerUser` of them: each is
 * a push (an ECDH and a request) for every offline message, so a user must not be able to add them without bound.
 *
 * Contract:
 * - `add` is keyed by (userId, endpoint): subscribing again replaces the keys (and makes it the newest), never
 *   duplicates. When the user then has more than `maxPerUser`, the oldest are removed.
 * - `list` returns the user's newest `maxPerUser` subscriptions, in no particular order.
 * - `setRejections` records the count of a subscription that still exists and creates nothing otherwise (a
 *   consumer must not bring back one another removed).
 * - `remove` of an unknown endpoint is `ok` (the push service answered 404/410 twice, or two consumers raced).
 */
export interface SubscriptionStore {
  add(userId: string, subscription: PushSubscription): Promise<Result<void>>;
  list(userId: string): Promise<Result<StoredSubscription[]>>;
  setRejections(userId: string, endpoint: string, rejections: number): Promise<Result<void>>;
  remove(userId: string, endpoint: string): Promise<Result<void>>;
}
