import type { Result } from "../../protocol/errors.js";
import type { PushSubscription } from "../../protocol/http.js";

/**
 * The Web Push subscriptions of each user (one per browser/device endpoint).
 *
 * Contract:
 * - `add` is keyed by (userId, endpoint): subscribing again replaces the keys, never duplicates.
 * - `list` returns every subscription of the user, in no particular order.
 * - `remove` of an unknown endpoint is `ok` (the push service answered 404/410 twice, or two consumers raced).
 */
export interface SubscriptionStore {
  add(userId: string, subscription: PushSubscription): Promise<Result<void>>;
  list(userId: string): Promise<Result<PushSubscription[]>>;
  remove(userId: string, endpoint: string): Promise<Result<void>>;
}
