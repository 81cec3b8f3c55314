/** Presence events through /v1/ingest into real Redis, with a 2 s TTL so expiry is observable. */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OriginConfig } from "../../origin/config.js";
import { startOrigin, type RunningOrigin } from "../../origin/ingest/server.js";
import type { Presence } from "../../protocol/message.js";
import { cleanupRun, configOf, ingest, log, requireServices, signedFetch, testEnv, waitFor } from "./support.js";

let config: OriginConfig;
let origin: RunningOrigin;
let redis: Redis;

beforeAll(async () => {
  config = configOf(testEnv("presence", { PRESENCE_TTL_SECONDS: "2" }));
  // Presence needs only Redis: no keyspace or topics for this file.
  await requireServices(config, ["redis"]);
  origin = await startOrigin(config, { log });
  redis = new Redis(config.redis.url, { keyPrefix: config.redis.prefix });
});

afterAll(async () => {
  redis?.disconnect();
  await origin?.stop();
  if (config) await cleanupRun(config);
});

async function presenceOf(...users: string[]): Promise<Record<string, Presence>> {
  const res = await signedFetch(origin.url, "GET", `/v1/presence?users=${users.join(",")}`);
  expect(res.status).toBe(200);
  return (await res.json()).presence;
}

async function send(userId: string, online: boolean, at: number): Promise<void> {
  const res = await ingest(origin.url, [{ kind: "presence", userId, online, at }]);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accepted: 1, rejected: 0 });
}

describe("presence", () => {
  it("an online user appears at once and expires after the TTL; lastSeen stays", async () => {
    const at = Date.now();
    await send("ttl-user", true, at);
    expect(await presenceOf("ttl-user")).toEqual({ "ttl-user": { online: true, lastSeen: at } });
    const ttl = await redis.ttl("presence:ttl-user");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);

    const expired = await waitFor("presence to expire", async () => {
      const p = (await presenceOf("ttl-user"))["ttl-user"]!;
      return p.online ? undefined : p;
    }, 5_000, 100);
    expect(Date.now() - at).toBeGreaterThanOrEqual(1_000);
    expect(expired).toEqual({ online: false, lastSeen: at });
    expect(await redis.get("lastseen:ttl-user")).toBe(String(at));
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
    expect(await presenceOf("many-a", "never-seen")).toEqual({ "many-a": { online: true, lastSeen: at }, "never-seen": { online: false, lastSeen: null } });
  });

  it("refuses a missing or invalid user list with 400", async () => {
    for (const query of ["", "?users=", "?users=bad%20id"]) {
      const res = await signedFetch(origin.url, "GET", `/v1/presence${query}`);
      expect(res.status, query).toBe(400);
    }
  });
});
