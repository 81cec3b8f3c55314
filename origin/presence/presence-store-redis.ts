/**
 * PresenceStore on Redis: `presence:<userId>` (expires after the lease, or the TTL) and `lastseen:<userId>` (ms),
 * under the client's key prefix. Every command touches one key, so the store works unchanged on Redis Cluster.
 */
import type { Redis } from "ioredis";
import { fail, ok, type Result } from "../../protocol/errors.js";
import { MAX_PRESENCE_LEASE_MS, type PresenceEvent } from "../../protocol/events.js";
import type { Presence } from "../../protocol/message.js";
import { errorMessage } from "../shared/timeout.js";
import type { PresenceStore } from "./presence-store.js";

/** Sets lastseen to ARGV[1] unless it already holds a newer time; answers 1 when this event is the newest. */
const ADVANCE_LAST_SEEN = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) < current then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/**
 * Keys asked at once by `online`. The EXISTS of a round are sent together: the client pipelines commands issued in
 * the same tick (`enableAutoPipelining`, backends.ts), per node on a cluster, where an explicit `pipeline()` would
 * have to keep to the keys of one slot. Rounds keep a 10,000-member group from queueing 10,000 commands at once.
 */
const KEYS_PER_ROUND = 1_000;

export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Two single-key steps instead of one two-key script (cluster-safe). Two concurrent events for one user can still
   * interleave between the steps; the worst outcome is a user shown online until the lease expires.
   */
  async apply(event: Pick<PresenceEvent, "userId" | "online" | "at" | "leaseMs">): Promise<Result<void>> {
    try {
      const newest = await this.redis.eval(ADVANCE_LAST_SEEN, 1, `lastseen:${event.userId}`, String(event.at));
      if (newest !== 1) return ok(undefined);
      const key = `presence:${event.userId}`;
      if (!event.online) await this.redis.del(key);
      else if (event.leaseMs !== undefined)
        await this.redis.set(key, String(event.at), "PX", Math.min(event.leaseMs, MAX_PRESENCE_LEASE_MS));
      else await this.redis.set(key, String(event.at), "EX", this.ttlSeconds);
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", `presence store: ${errorMessage(error)}`);
    }
  }

  async get(userIds: readonly string[]): Promise<Result<Record<string, Presence>>> {
    try {
      const entries = await Promise.all(userIds.map(async (id) => [id, await this.one(id)] as const));
      return ok(Object.fromEntries(entries));
    } catch (error) {
      return fail("unavailable", `presence store: ${errorMessage(error)}`);
    }
  }

  async online(userIds: readonly string[]): Promise<Result<Set<string>>> {
    try {
      const online = new Set<string>();
      for (let i = 0; i < userIds.length; i += KEYS_PER_ROUND) {
        const round = userIds.slice(i, i + KEYS_PER_ROUND);
        const found = await Promise.all(round.map((id) => this.redis.exists(`presence:${id}`)));
        for (const [j, id] of round.entries()) if (found[j] === 1) online.add(id);
      }
      return ok(online);
    } catch (error) {
      return fail("unavailable", `presence store: ${errorMessage(error)}`);
    }
  }

  async check(): Promise<Result<void>> {
    try {
      await this.redis.ping();
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", errorMessage(error));
    }
  }

  private async one(userId: string): Promise<Presence> {
    const [online, lastSeen] = await Promise.all([
      this.redis.exists(`presence:${userId}`),
      this.redis.get(`lastseen:${userId}`),
    ]);
    return { online: online === 1, lastSeen: lastSeen === null ? null : Number(lastSeen) };
  }
}
