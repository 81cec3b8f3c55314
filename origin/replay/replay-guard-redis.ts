/** ReplayGuard on Redis: `SET replay:<nonce> 1 NX PX ttl`, one key per signature, gone when it could no longer pass. */
import type { Redis } from "ioredis";
import { fail, ok, type Result } from "../../protocol/errors.js";
import { errorMessage } from "../shared/timeout.js";
import type { ReplayGuard } from "./replay-guard.js";

export class RedisReplayGuard implements ReplayGuard {
  constructor(private readonly redis: Redis) {}

  async claim(nonce: string, ttlMs: number): Promise<Result<boolean>> {
    try {
      // NX: only the first SET of a key answers OK; one command on one key, so Redis Cluster works too.
      const set = await this.redis.set(`replay:${nonce}`, "1", "PX", Math.max(1, Math.ceil(ttlMs)), "NX");
      return ok(set === "OK");
    } catch (error) {
      return fail("unavailable", `replay guard: ${errorMessage(error)}`);
    }
  }
}
