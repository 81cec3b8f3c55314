import { describe, expect, it } from "vitest";
import { TokenBucket, UserLimits } from "../../durable-objects/user-session/rate-limit.js";

describe("TokenBucket", () => {
  it("allows the burst, then one token per 1/rate seconds, and says how long to wait", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)]).toEqual([0, 0, 0]);
    expect(bucket.take(1, 0)).toBe(100);
    expect(bucket.take(1, 50)).toBe(50);
    expect(bucket.take(1, 100)).toBe(0);
    expect(bucket.take(1, 10_000)).toBe(0);
  });

  it("charges a cost in tokens, takes nothing when short, and charges a cost above the burst as the burst", () => {
    const bucket = new TokenBucket(10, 20, 0);
    expect(bucket.take(15, 0)).toBe(0);
    expect(bucket.take(10, 0)).toBe(500);
    expect(bucket.take(5, 0)).toBe(0);
    expect(bucket.take(1000, 2_000)).toBe(0);
    expect(bucket.wait(1, 2_000)).toBe(100);
  });
});

describe("UserLimits: a message costs one send and one delivery per recipient", () => {
  it("refuses a message to a big group when the fan-out budget is short, charging neither budget", () => {
    const limits = new UserLimits(
      { rateLimitPerSec: 50, rateLimitBurst: 100, fanoutLimitPerSec: 1000, fanoutLimitBurst: 2000 },
      0,
    );
    expect(limits.send(1023, 0)).toBe(0);
    expect(limits.send(1023, 0)).toBeGreaterThan(0);
    // The refused message cost nothing: small messages still go.
    for (let i = 0; i < 99; i++) expect(limits.send(1, 0)).toBe(0);
    expect(limits.send(1, 0)).toBeGreaterThan(0);
  });

  it("charges typing and receipts by the members they reach", () => {
    const limits = new UserLimits(
      { rateLimitPerSec: 50, rateLimitBurst: 100, fanoutLimitPerSec: 1000, fanoutLimitBurst: 2000 },
      0,
    );
    expect(limits.relay(1500, 0)).toBe(0);
    expect(limits.relay(1500, 0)).toBe(1000);
    expect(limits.relay(1500, 1000)).toBe(0);
  });
});
