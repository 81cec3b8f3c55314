/**
 * Token buckets: `burst` tokens, refilled at `perSec`. Kept in memory: the object stays awake while a device is
 * sending, and a reset after eviction only forgives a user who has been idle anyway.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /**
   * How long until `cost` tokens are there (ms), 0 when they are. A cost above the burst is charged as the whole
   * burst, so it stays possible (and as expensive as anything can be).
   */
  wait(cost = 1, now = Date.now()): number {
    this.refill(now);
    const need = Math.min(cost, this.burst);
    return this.tokens >= need ? 0 : Math.ceil(((need - this.tokens) / this.perSec) * 1000);
  }

  /** Takes `cost` tokens when they are there; returns how long to wait otherwise (ms), else 0. */
  take(cost = 1, now = Date.now()): number {
    const wait = this.wait(cost, now);
    if (wait === 0) this.tokens -= Math.min(cost, this.burst);
    return wait;
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSec);
    this.updatedAt = now;
  }
}

const SEARCHES_PER_SEC = 1;
const SEARCH_BURST = 20;

/**
 * What a user's frames may cost: messages it sends, and the deliveries its messages, typing and receipts fan out
 * to (one token per member reached), so a user in many big groups cannot turn cheap frames into a flood.
 */
export class UserLimits {
  private readonly messages: TokenBucket;
  private readonly fanout: TokenBucket;
  /** Searches: a person searches every few seconds at most; each may index or scan a conversation's history. */
  private readonly searches: TokenBucket;

  constructor(
    limits: { rateLimitPerSec: number; rateLimitBurst: number; fanoutLimitPerSec: number; fanoutLimitBurst: number },
    now = Date.now(),
  ) {
    this.messages = new TokenBucket(limits.rateLimitPerSec, limits.rateLimitBurst, now);
    this.fanout = new TokenBucket(limits.fanoutLimitPerSec, limits.fanoutLimitBurst, now);
    this.searches = new TokenBucket(SEARCHES_PER_SEC, SEARCH_BURST, now);
  }

  /** Charges a search of `cost` (1 per conversation's index it asks, up to the burst); the wait when short (ms), else 0. */
  search(cost: number, now = Date.now()): number {
    return this.searches.take(cost, now);
  }

  /** Charges one message to `recipients` members; returns how long to wait when either budget is short (ms), else 0. */
  send(recipients: number, now = Date.now()): number {
    const wait = Math.max(this.messages.wait(1, now), this.fanout.wait(recipients, now));
    if (wait > 0) return wait;
    this.messages.take(1, now);
    this.fanout.take(recipients, now);
    return 0;
  }

  /** Charges a relay (typing, a receipt, a membership change) to `recipients` members; the wait when short (ms), else 0. */
  relay(recipients: number, now = Date.now()): number {
    return this.fanout.take(recipients, now);
  }
}
