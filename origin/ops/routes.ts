/** Unsigned operational endpoints: `GET /healthz` (every check passes?) and `GET /metrics` (Prometheus). */
import { Hono, type Env } from "hono";
import { registry } from "../shared/metrics.js";
import { checkHealth, type HealthChecks } from "./health.js";

export function opsRoutes<E extends Env>(checks: HealthChecks): Hono<E> {
  return new Hono<E>()
    .get("/healthz", async (c) => {
      const report = await checkHealth(checks);
      return c.json(report, report.ok ? 200 : 503);
    })
    .get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType }));
}
