/**
 * Web Push subscriptions kept by the session when no origin is configured (so none is lost before push is set up).
 * At most MAX_PUSH_SUBSCRIPTIONS per user: a new one replaces the oldest, so a user cannot grow its storage by
 * subscribing over and over. Subscribing is also rate-limited per user, whether or not an origin takes it.
 */
import { fail, ok, type PushSubscription, type Result } from "../../protocol/index.js";
import { TokenBucket } from "./rate-limit.js";

export const MAX_PUSH_SUBSCRIPTIONS = 10;
/** A browser subscribes once per install; ten an hour is plenty and bounds what one user makes origin store. */
const SUBSCRIBES_PER_HOUR = 10;

export class PushSubscriptions {
  private readonly limit = new TokenBucket(SUBSCRIBES_PER_HOUR / 3600, SUBSCRIBES_PER_HOUR);

  constructor(private readonly sql: SqlStorage) {}

  /** Charges one subscribe; rate_limited when the user subscribes too often. */
  admit(now = Date.now()): Result<null> {
    const wait = this.limit.take(1, now);
    return wait === 0 ? ok(null) : fail("rate_limited", `too many push subscriptions; retry in ${Math.ceil(wait / 1000)} s`, wait);
  }

  /** Keeps the subscription (replacing one with the same endpoint), then forgets the oldest beyond the cap. */
  keep(subscription: PushSubscription): void {
    this.sql.exec("DELETE FROM push_subscriptions WHERE endpoint = ?", subscription.endpoint);
    this.sql.exec("INSERT INTO push_subscriptions (endpoint, subscription) VALUES (?, ?)", subscription.endpoint, JSON.stringify(subscription));
    this.sql.exec(
      "DELETE FROM push_subscriptions WHERE rowid NOT IN (SELECT rowid FROM push_subscriptions ORDER BY rowid DESC LIMIT ?)",
      MAX_PUSH_SUBSCRIPTIONS,
    );
  }
}
