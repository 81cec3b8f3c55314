/** Starts the origin's HTTP API (ingest, history, presence, subscriptions) on @hono/node-server. */
import { openBackends } from "../backends.js";
import type { OriginConfig } from "../config.js";
import { KafkaMessageLog } from "../message-log/message-log-kafka.js";
import { CassandraMessageStore } from "../message-store/message-store-cassandra.js";
import { RedisPresenceStore } from "../presence/presence-store-redis.js";
import { RedisReplayGuard } from "../replay/replay-guard-redis.js";
import type { StartOptions } from "../service.js";
import { listen } from "../shared/listen.js";
import { createLogger } from "../shared/log.js";
import { CassandraSubscriptionStore } from "../subscriptions/subscription-store-cassandra.js";
import { createApiApp } from "./app.js";
import { BodyBudget } from "./body-budget.js";

export interface RunningOrigin {
  url: string;
  stop(): Promise<void>;
}

export async function startOrigin(config: OriginConfig, options: StartOptions = {}): Promise<RunningOrigin> {
  const log = (options.log ?? createLogger(config.logLevel)).child({ service: "ingest" });
  const backends = options.backends ?? openBackends(config, log);
  const messageLog = new KafkaMessageLog(backends.kafka, config.kafka, log);
  const app = createApiApp({
    secrets: [config.secret, ...(config.previousSecret ? [config.previousSecret] : [])],
    replays: new RedisReplayGuard(backends.redis),
    budget: new BodyBudget(config.maxUnverifiedBytes),
    endpoints: config.push.endpoints,
    log,
    messageLog,
    messages: new CassandraMessageStore(backends.cassandra, config.cassandra.keyspace),
    presence: new RedisPresenceStore(backends.redis, config.presenceTtlSeconds),
    subscriptions: new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser),
  });
  const server = await listen(app, config);
  log.info({ port: server.port }, "origin HTTP API listening");
  return {
    url: server.url,
    async stop() {
      // In-flight requests finish (and their Kafka acks arrive) before the producer goes.
      await server.close();
      await messageLog.close();
      if (!options.backends) await backends.close();
    },
  };
}
