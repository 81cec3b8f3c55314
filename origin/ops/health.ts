/**
 * Health checks: named probes, each answering whether one thing this process depends on works. `GET /healthz`
 * runs them all; a backend that is down and a consumer that stopped for good both make the process unhealthy.
 */
import type { Result } from "../../protocol/errors.js";

export type HealthCheck = () => Promise<Result<void>>;
export type HealthChecks = Record<string, HealthCheck>;

interface Reachable {
  check(): Promise<Result<void>>;
}

/** The backends every origin process depends on, each checked through a store that reaches it. */
export function backendChecks(stores: { kafka: Reachable; cassandra: Reachable; redis: Reachable }): HealthChecks {
  return {
    kafka: () => stores.kafka.check(),
    cassandra: () => stores.cassandra.check(),
    redis: () => stores.redis.check(),
  };
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, "ok" | "failed">;
  failed: Record<string, string>;
}

export async function checkHealth(checks: HealthChecks): Promise<HealthReport> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await check()] as const),
  );
  const failed: Record<string, string> = {};
  for (const [name, result] of results) if (!result.ok) failed[name] = result.error.message;
  return {
    ok: Object.keys(failed).length === 0,
    checks: Object.fromEntries(results.map(([name, result]) => [name, result.ok ? "ok" : "failed"])),
    failed,
  };
}
