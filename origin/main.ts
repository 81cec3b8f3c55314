/**
 * The origin process, and its composition root: the one place that opens clients, chooses the implementation behind
 * each interface and hands the services what they need. `ORIGIN_SERVICES` (default ingest,persister,push) chooses
 * what runs here. Run with `npx tsx origin/main.ts` (or `node --import tsx origin/main.ts`).
 */
import { pathToFileURL } from "node:url";
import { startApi } from "./api/server.js";
import { openBackends, type Backends } from "./backends.js";
import { loadConfig, type OriginConfig, type ServiceName } from "./config.js";
import { CassandraMembersStore } from "./members/members-store-cassandra.js";
import type { MembersStore } from "./members/members-store.js";
import { KafkaLogConsumer } from "./message-log/log-consumer-kafka.js";
import type { Consuming, LogConsumer } from "./message-log/log-consumer.js";
import { KafkaMessageLog } from "./message-log/message-log-kafka.js";
import type { MessageLog } from "./message-log/message-log.js";
import { CassandraMessageStore } from "./message-store/message-store-cassandra.js";
import type { MessageStore } from "./message-store/message-store.js";
import { backendChecks, type HealthChecks } from "./ops/health.js";
import { startOpsServer } from "./ops/server.js";
import { startPersister } from "./persister/index.js";
import { RedisPresenceStore } from "./presence/presence-store-redis.js";
import type { PresenceStore } from "./presence/presence-store.js";
import { WebPushSender } from "./push-sender/push-sender-webpush.js";
import type { PushSender } from "./push-sender/push-sender.js";
import { startPush } from "./push/index.js";
import { RedisReplayGuard } from "./replay/replay-guard-redis.js";
import type { ReplayGuard } from "./replay/replay-guard.js";
import { prepareWhenReady } from "./setup.js";
import type { Listening } from "./shared/listen.js";
import { createLogger, type Logger } from "./shared/log.js";
import { errorMessage } from "./shared/timeout.js";
import { CassandraSubscriptionStore } from "./subscriptions/subscription-store-cassandra.js";
import type { SubscriptionStore } from "./subscriptions/subscription-store.js";

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

/** One process's backend concerns, each behind its interface: what the services receive. */
export interface Stores {
  messageLog: MessageLog;
  consumer: LogConsumer;
  messages: MessageStore;
  members: MembersStore;
  presence: PresenceStore;
  subscriptions: SubscriptionStore;
  replays: ReplayGuard;
  pushSender: PushSender;
  close(): Promise<void>;
}

/** The implementations behind the interfaces, on the process's clients (each connects on first use). */
export function openStores(config: OriginConfig, backends: Backends, log: Logger): Stores {
  const { keyspace } = config.cassandra;
  const messageLog = new KafkaMessageLog(backends.kafka, config.kafka, log);
  return {
    messageLog,
    consumer: new KafkaLogConsumer(backends.kafka, config.kafka, log),
    messages: new CassandraMessageStore(backends.cassandra, keyspace),
    members: new CassandraMembersStore(backends.cassandra, keyspace),
    presence: new RedisPresenceStore(backends.redis, config.presenceTtlSeconds),
    subscriptions: new CassandraSubscriptionStore(backends.cassandra, keyspace, config.push.maxSubscriptionsPerUser),
    replays: new RedisReplayGuard(backends.redis),
    pushSender: new WebPushSender(config.push.vapid, config.push.endpoints),
    close: () => messageLog.close(),
  };
}

export interface RunningServices {
  /** The ingest's HTTP API; in a process without ingest, its ops server (the only address it serves). */
  url: string;
  /** `/healthz` and `/metrics` (ORIGIN_OPS_HOST:ORIGIN_OPS_PORT). */
  opsUrl: string;
  /** Resolves when a consumer of this process stopped for good (see LogConsumer): the process should exit. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/** Prepares storage (waiting for Kafka and Cassandra if needed), then starts the configured services on new clients. */
export async function startServices(
  config: OriginConfig,
  log: Logger,
  signal = new AbortController().signal,
): Promise<RunningServices> {
  const backends = openBackends(config, log);
  try {
    await prepareWhenReady(config, backends, log, signal);
    const running = await startWithBackends(config, backends, log);
    return {
      ...running,
      async stop() {
        await running.stop();
        await backends.close();
      },
    };
  } catch (error) {
    await backends.close();
    throw error;
  }
}

/**
 * Starts the configured services on `backends` (storage prepared), sharing one set of stores. Every process serves
 * `/healthz` and `/metrics` on its ops server, with the consumers it runs among the checks; the ingest's port serves
 * only the signed API. `stop` leaves `backends` open.
 */
export async function startWithBackends(
  config: OriginConfig,
  backends: Backends,
  log: Logger,
): Promise<RunningServices> {
  const stores = openStores(config, backends, log);
  const consumers = new Map<ServiceName, Consuming>();
  const servers: Listening[] = [];
  const stop = async () => {
    // HTTP first, so nothing new arrives (in-flight requests finish, their Kafka acks included); then the consumers
    // commit what they handled and leave their groups; then the producer they all shared.
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
    await stores.close();
  };
  try {
    if (config.services.has("persister")) consumers.set("persister", await startPersister(config, stores));
    if (config.services.has("push")) consumers.set("push", await startPush(config, stores, log));
    const checks: HealthChecks = backendChecks({
      kafka: stores.messageLog,
      cassandra: stores.messages,
      redis: stores.presence,
    });
    for (const [name, consumer] of consumers) checks[name] = consumer.health;
    const ops = await startOpsServer(config.ops, checks, log);
    servers.push(ops);
    const api = config.services.has("ingest") ? await startApi(config, stores, log) : null;
    if (api) servers.push(api);
    return {
      url: api?.url ?? ops.url,
      opsUrl: ops.url,
      failed: Promise.race([...consumers.values()].map((consumer) => consumer.failed)),
      stop,
    };
  } catch (error) {
    // A port is taken, say: leave nothing running behind the error.
    await stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.ok) {
    process.stderr.write(`origin: ${config.error.message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.value.logLevel);
  if (config.value.dev)
    log.warn(
      "ORIGIN_DEV=1: a local origin (the dev secret unless ORIGIN_SECRET is set, http push endpoints); never expose it",
    );
  const aborted = new AbortController();
  let running: Promise<RunningServices> | null = null;
  const shutdown = (reason: string, exitCode = 0) => {
    if (aborted.signal.aborted) process.exit(1);
    aborted.abort();
    log.info({ reason }, "shutting down");
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // A start that was still waiting for storage has nothing to stop.
    const stopped = running
      ? running.then(
          (r) => r.stop(),
          () => undefined,
        )
      : Promise.resolve();
    stopped.then(
      () => process.exit(exitCode),
      (error) => {
        log.error({ err: errorMessage(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM")).on("SIGINT", () => shutdown("SIGINT"));
  running = startServices(config.value, log, aborted.signal);
  try {
    const services = await running;
    log.info({ services: [...config.value.services], opsUrl: services.opsUrl, url: services.url }, "origin started");
    const failed = (error: unknown) => {
      log.error({ err: errorMessage(error) }, "a consumer stopped for good; exiting so the process is restarted");
      shutdown("a consumer failed", 1);
    };
    services.failed.then(failed, failed);
  } catch (error) {
    if (aborted.signal.aborted) return;
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    process.stderr.write(`origin: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
