/**
 * The operational endpoints (`/healthz`, `/metrics`), one server per process, on their own address
 * (`ORIGIN_OPS_HOST:ORIGIN_OPS_PORT`, loopback by default), never on the ingest's published port: they are
 * unsigned, and the health report carries backend error text and the metrics every counter. A persister-only or
 * push-only process serves them too, so every container can be health-checked and scraped.
 */
import { Hono } from "hono";
import { listen, type Listening } from "../shared/listen.js";
import type { Logger } from "../shared/log.js";
import type { HealthChecks } from "./health.js";
import { opsRoutes } from "./routes.js";

/** Serves `checks` (the backends' and the consumers') and the process's metrics at `address`. */
export async function startOpsServer(
  address: { host: string; port: number },
  checks: HealthChecks,
  log: Logger,
): Promise<Listening> {
  const app = new Hono()
    .route("/", opsRoutes(checks))
    .notFound((c) =>
      c.json({ error: { code: "not_found", message: "this process serves only /healthz and /metrics" } }, 404),
    );
  const server = await listen(app, address);
  log.info({ port: server.port }, "health and metrics listening");
  return server;
}
