import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../durable-objects/user-session/rate-limit.js";

describe("TokenBucket", () => {
  it("allows the burst, then one token per 1/rate seconds, and says how long to wait", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(100);
    expect(bucket.take(50)).toBe(50);
    expect(bucket.take(100)).toBe(0);
    expect(bucket.take(10_000)).toBe(0);
  });
});
