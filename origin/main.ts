/**
 * The origin process: `ORIGIN_SERVICES` (default ingest,persister,push) chooses what runs here.
 * Run with `npx tsx origin/main.ts` (or `node --import tsx origin/main.ts`). The factories are exported so tests
 * and tools can start the same pieces in-process.
 */
import { pathToFileURL } from "node:url";
import { openBackends } from "./backends.js";
import { loadConfig, type OriginConfig } from "./config.js";
import { startOrigin } from "./api/server.js";
import { startOpsServer } from "./ops/server.js";
import { startPersister } from "./persister/index.js";
import { startPush } from "./push/index.js";
import type { Consuming } from "./message-log/log-consumer.js";
import { prepareWhenReady } from "./setup.js";
import { createLogger, type Logger } from "./shared/log.js";
import { errorMessage } from "./shared/timeout.js";

export { loadConfig, startOrigin, startPersister, startPush };

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface RunningServices {
  /** The ingest's HTTP API; in a process without ingest, its ops server (the only address it serves). */
  url: string;
  /** `/healthz` and `/metrics` (ORIGIN_OPS_HOST:ORIGIN_OPS_PORT). */
  opsUrl: string;
  /** Resolves when a consumer of this process stopped for good (see watchCrashes): the process should exit. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Prepares storage (waiting for Kafka and Cassandra if needed), then starts the configured services on shared
 * clients. Every process serves `/healthz` and `/metrics` on its ops server, with the consumers it runs among the
 * checks; the ingest's port serves only the signed API.
 */
export async function startServices(config: OriginConfig, log: Logger, signal = new AbortController().signal): Promise<RunningServices> {
  const backends = openBackends(config, log);
  try {
    await prepareWhenReady(config, backends, log, signal);
  } catch (error) {
    await backends.close();
    throw error;
  }
  const options = { log, backends };
  const consumers = new Map<string, Consuming>();
  const servers: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    // HTTP first, so nothing new arrives; then the consumers commit what they handled and leave their groups.
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
    await backends.close();
  };
  try {
    if (config.services.has("persister")) consumers.set("persister", await startPersister(config, options));
    if (config.services.has("push")) consumers.set("push", await startPush(config, options));
    const checks = Object.fromEntries([...consumers].map(([name, consumer]) => [name, consumer.health]));
    const ops = await startOpsServer(config, backends, checks, log);
    servers.push(ops);
    const api = config.services.has("ingest") ? await startOrigin(config, options) : null;
    if (api) servers.push(api);
    return {
      url: api?.url ?? ops.url,
      opsUrl: ops.url,
      failed: Promise.race([...consumers.values()].map((consumer) => consumer.failed)),
      stop: stopAll,
    };
  } catch (error) {
    // A port is taken, say: leave nothing running behind the error.
    await stopAll();
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
  if (config.value.dev) log.warn("ORIGIN_DEV=1: a local origin (the dev secret unless ORIGIN_SECRET is set, http push endpoints); never expose it");
  const aborted = new AbortController();
  let running: Promise<RunningServices> | null = null;
  const shutdown = (reason: string, exitCode = 0) => {
    if (aborted.signal.aborted) process.exit(1);
    aborted.abort();
    log.info({ reason }, "shutting down");
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // A start that was still waiting for storage has nothing to stop.
    const stopped = running ? running.then((r) => r.stop(), () => undefined) : Promise.resolve();
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
    void services.failed.then((error) => {
      log.error({ err: errorMessage(error) }, "a consumer stopped for good; exiting so the process is restarted");
      shutdown("a consumer failed", 1);
    });
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
