/**
 * Token bucket per user: `burst` tokens, refilled at `perSec`. Kept in memory: the object stays awake while
 * a device is sending, and a reset after eviction only forgives a user who has been idle anyway.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly perSec: number, private readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token; when none is left, returns how long until one is (ms), else 0. */
  take(now = Date.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSec);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSec) * 1000);
  }
}
