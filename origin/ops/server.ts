/**
 * The operational endpoints alone (`/healthz`, `/metrics`) for a process that runs consumers but no ingest: without
 * it a persister-only or push-only container could not be health-checked, and its counters (messages persisted,
 * consumer lag) could not be scraped.
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

/** Serves the backends' checks and `checks` (the consumers') at the configured HTTP address. */
export async function startOpsServer(config: OriginConfig, backends: Backends, checks: HealthChecks, log: Logger): Promise<RunningOps> {
  const kafka = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const cassandra = new CassandraMessageStore(backends.cassandra, config.cassandra.keyspace);
  const redis = new RedisPresenceStore(backends.redis, config.presenceTtlSeconds);
  const app = new Hono()
    .route("/", opsRoutes({ ...backendChecks({ kafka, cassandra, redis }), ...checks }))
    .notFound((c) => c.json({ error: { code: "not_found", message: "this process serves only /healthz and /metrics" } }, 404));
  const server = await listen(app, config);
  log.info({ port: server.port }, "health and metrics listening");
  return {
    url: server.url,
    async stop() {
      await server.close();
      await kafka.close();
    },
  };
}
