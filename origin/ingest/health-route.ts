/** Unsigned operational endpoints: `GET /healthz` (every backend reachable?) and `GET /metrics` (Prometheus). */
import { Hono } from "hono";
import type { Result } from "../../protocol/errors.js";
import { registry } from "../shared/metrics.js";
import type { OriginDeps, OriginEnv } from "./deps.js";

export function healthRoutes(deps: OriginDeps): Hono<OriginEnv> {
  const checks: Record<string, () => Promise<Result<void>>> = {
    kafka: () => deps.messageLog.check(),
    cassandra: () => deps.messages.check(),
    redis: () => deps.presence.check(),
  };
  return new Hono<OriginEnv>()
    .get("/healthz", async (c) => {
      const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check()] as const));
      const failed = Object.fromEntries(results.filter(([, r]) => !r.ok).map(([name, r]) => [name, r.ok ? "" : r.error.message]));
      const healthy = Object.keys(failed).length === 0;
      return c.json({ ok: healthy, checks: Object.fromEntries(results.map(([name, r]) => [name, r.ok ? "ok" : "failed"])), failed }, healthy ? 200 : 503);
    })
    .get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType }));
}
