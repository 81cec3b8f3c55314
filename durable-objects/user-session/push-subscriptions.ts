/**
 * Push subscriptions are sent to origin, which sends the pushes (workers/routes/push.ts); without an origin nothing
 * sends push, so a subscription is accepted and not kept. Either way subscribing is rate-limited per user, so a user
 * cannot make origin store subscriptions at will.
 */
import { fail, ok, type Result } from "../../protocol/index.js";
import { TokenBucket } from "./rate-limit.js";

/** A browser subscribes once per install; ten an hour is plenty and bounds what one user makes origin store. */
const SUBSCRIBES_PER_HOUR = 10;

export class PushSubscriptions {
  private readonly limit = new TokenBucket(SUBSCRIBES_PER_HOUR / 3600, SUBSCRIBES_PER_HOUR);

  /** Charges one subscribe; rate_limited when the user subscribes too often. */
  admit(now = Date.now()): Result<null> {
    const wait = this.limit.take(1, now);
    return wait === 0
      ? ok(null)
      : fail("rate_limited", `too many push subscriptions; retry in ${Math.ceil(wait / 1000)} s`, wait);
  }
}
