/**
 * The operational endpoints (`/healthz`, `/metrics`), one server per process, on their own address
 * (`ORIGIN_OPS_HOST:ORIGIN_OPS_PORT`, loopback by default), never on the ingest's published port: they are
 * unsigned, and the health report carries backend error text and the metrics every counter. A persister-only or
 * push-only process serves them too, so every container can be health-checked and scraped.
 */
import { Hono } from "hono";
import type { Backends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { KafkaMessageLog } from "../message-log/message-log-kafka.js";
import { CassandraMessageStore } from "../message-store/message-store-cassandra.js";
import { RedisPresenceStore } from "../presence/presence-store-redis.js";
import { listen } from "../shared/listen.js";
import type { Logger } from "../shared/log.js";
import { backendChecks, type HealthChecks } from "./health.js";
import { opsRoutes } from "./routes.js";

export interface RunningOps {
  url: string;
  stop(): Promise<void>;
}

/** Serves the backends' checks and `checks` (the consumers') at the configured ops address. */
export async function startOpsServer(config: OriginConfig, backends: Backends, checks: HealthChecks, log: Logger): Promise<RunningOps> {
  const kafka = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const cassandra = new CassandraMessageStore(backends.cassandra, config.cassandra.keyspace);
  const redis = new RedisPresenceStore(backends.redis, config.presenceTtlSeconds);
  const app = new Hono()
    .route("/", opsRoutes({ ...backendChecks({ kafka, cassandra, redis }), ...checks }))
    .notFound((c) => c.json({ error: { code: "not_found", message: "this process serves only /healthz and /metrics" } }, 404));
  const server = await listen(app, config.ops);
  log.info({ port: server.port }, "health and metrics listening");
  return {
    url: server.url,
    async stop() {
      await server.close();
      await kafka.close();
    },
  };
}
