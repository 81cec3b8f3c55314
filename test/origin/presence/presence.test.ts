/**
 * Presence events through /v1/ingest into real Redis, with a 2 s TTL (events without a lease) and short leases, so
 * that expiry is observable.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackends, type Backends } from "../../../origin/backends.js";
import type { OriginConfig } from "../../../origin/config.js";
import type { RunningServices } from "../../../origin/main.js";
import { RedisPresenceStore } from "../../../origin/presence/presence-store-redis.js";
import type { Presence } from "../../../protocol/message.js";
import {
  cleanupRun,
  configOf,
  ingest,
  log,
  requireServices,
  signedFetch,
  startProcess,
  testEnv,
  waitFor,
} from "../support.js";

let config: OriginConfig;
let backends: Backends;
let origin: RunningServices;
let redis: Redis;

beforeAll(async () => {
  config = configOf(testEnv("presence", { PRESENCE_TTL_SECONDS: "2" }));
  // Presence needs only Redis: no keyspace or topics for this file.
  await requireServices(config, ["redis"]);
  backends = openBackends(config, log);
  origin = await startProcess(config, "ingest", backends);
  redis = new Redis(config.redis.url, { keyPrefix: config.redis.prefix });
});

afterAll(async () => {
  redis?.disconnect();
  await origin?.stop();
  await backends?.close();
  if (config) await cleanupRun(config);
});

async function presenceOf(...users: string[]): Promise<Record<string, Presence>> {
  const res = await signedFetch(origin.url, "GET", `/v1/presence?users=${users.join(",")}`);
  expect(res.status).toBe(200);
  return (await res.json()).presence;
}

/** The user's presence once it no longer says online (polled every 50 ms). */
function expiry(userId: string): Promise<Presence> {
  return waitFor(
    `${userId}'s presence to expire`,
    async () => {
      const p = (await presenceOf(userId))[userId]!;
      return p.online ? undefined : p;
    },
    5_000,
    50,
  );
}

async function send(userId: string, online: boolean, at: number, leaseMs?: number): Promise<void> {
  const res = await ingest(origin.url, [
    { kind: "presence", userId, online, at, ...(leaseMs === undefined ? {} : { leaseMs }) },
  ]);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accepted: 1, rejected: 0 });
}

describe("presence", () => {
  it.each([
    { expiry: "the TTL (2 s) without a lease", userId: "ttl-user", leaseMs: undefined, lastsMs: 2_000 },
    { expiry: "leaseMs (1.5 s), not the TTL", userId: "lease-user", leaseMs: 1_500, lastsMs: 1_500 },
  ])(
    "an online user appears at once and expires after $expiry; lastSeen stays",
    async ({ userId, leaseMs, lastsMs }) => {
      const at = Date.now();
      await send(userId, true, at, leaseMs);
      expect(await presenceOf(userId)).toEqual({ [userId]: { online: true, lastSeen: at } });
      const pttl = await redis.pttl(`presence:${userId}`);
      expect(pttl).toBeGreaterThan(lastsMs - 1_000);
      expect(pttl).toBeLessThanOrEqual(lastsMs);

      const expired = await expiry(userId);
      expect(Date.now() - at).toBeGreaterThanOrEqual(lastsMs - 50);
      expect(expired).toEqual({ online: false, lastSeen: at });
      expect(await redis.get(`lastseen:${userId}`)).toBe(String(at));
    },
  );

  it("a renewed lease runs from the renewal, and may be longer than the TTL", async () => {
    const at = Date.now();
    await send("renewing-user", true, at, 1_500);
    await send("renewing-user", true, at + 1, 30_000);
    const pttl = await redis.pttl("presence:renewing-user");
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    expect(await presenceOf("renewing-user")).toEqual({ "renewing-user": { online: true, lastSeen: at + 1 } });
  });

  it("online: false ends a lease at once", async () => {
    const at = Date.now();
    await send("lease-leaving", true, at, 60_000);
    await send("lease-leaving", false, at + 1);
    expect(await redis.exists("presence:lease-leaving")).toBe(0);
    expect(await presenceOf("lease-leaving")).toEqual({ "lease-leaving": { online: false, lastSeen: at + 1 } });
  });

  it("an offline event deletes presence at once and records when the user was last seen", async () => {
    const at = Date.now();
    await send("leaving-user", true, at);
    await send("leaving-user", false, at + 500);
    expect(await redis.exists("presence:leaving-user")).toBe(0);
    expect(await presenceOf("leaving-user")).toEqual({ "leaving-user": { online: false, lastSeen: at + 500 } });
  });

  it("an older event delivered late (a retried batch) changes nothing", async () => {
    const at = Date.now();
    await send("late-user", false, at);
    await send("late-user", true, at - 1_000);
    expect(await presenceOf("late-user")).toEqual({ "late-user": { online: false, lastSeen: at } });
  });

  it("answers for several users at once, including never-seen ones", async () => {
    const at = Date.now();
    await send("many-a", true, at);
    expect(await presenceOf("many-a", "never-seen")).toEqual({
      "many-a": { online: true, lastSeen: at },
      "never-seen": { online: false, lastSeen: null },
    });
  });

  it("tells the push service which of 2,500 users are online (in rounds of single-key commands): leased ones, not ended or expired ones", async () => {
    const store = new RedisPresenceStore(redis, config.presenceTtlSeconds);
    const at = Date.now();
    const users = Array.from({ length: 2_500 }, (_, i) => `crowd-${i}`);
    const online = users.filter((_, i) => i % 250 === 7);
    for (const userId of online)
      expect((await store.apply({ userId, online: true, at, leaseMs: 60_000 })).ok).toBe(true);
    expect((await store.apply({ userId: "crowd-8", online: true, at, leaseMs: 60_000 })).ok).toBe(true);
    expect((await store.apply({ userId: "crowd-8", online: false, at: at + 1 })).ok).toBe(true);
    const answer = await store.online(users);
    expect(answer.ok && [...answer.value].sort()).toEqual([...online].sort());
    expect(await store.online([])).toEqual({ ok: true, value: new Set() });
  });

  it("refuses a missing or invalid user list with 400", async () => {
    for (const query of ["", "?users=", "?users=bad%20id"]) {
      const res = await signedFetch(origin.url, "GET", `/v1/presence${query}`);
      expect(res.status, query).toBe(400);
    }
  });
});
