/**
 * The origin process: `ORIGIN_SERVICES` (default ingest,persister,push) chooses what runs here.
 * Run with `npx tsx origin/main.ts` (or `node --import tsx origin/main.ts`). The factories are exported so tests
 * and tools can start the same pieces in-process.
 */
import { pathToFileURL } from "node:url";
import { openBackends } from "./backends.js";
import { loadConfig, type OriginConfig } from "./config.js";
import { startOrigin } from "./ingest/server.js";
import { startPersister } from "./persister/index.js";
import { startPush } from "./push/index.js";
import { prepareWhenReady } from "./setup.js";
import { createLogger, type Logger } from "./shared/log.js";
import { errorMessage } from "./shared/timeout.js";

export { loadConfig, startOrigin, startPersister, startPush };

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface RunningServices {
  url: string | null;
  stop(): Promise<void>;
}

/** Prepares storage (waiting for Kafka and Cassandra if needed), then starts the configured services on shared clients. */
export async function startServices(config: OriginConfig, log: Logger, signal = new AbortController().signal): Promise<RunningServices> {
  const backends = openBackends(config, log);
  try {
    await prepareWhenReady(config, backends, log, signal);
  } catch (error) {
    await backends.close();
    throw error;
  }
  const options = { log, backends };
  const origin = config.services.has("ingest") ? await startOrigin(config, options) : null;
  const consumers = [
    ...(config.services.has("persister") ? [await startPersister(config, options)] : []),
    ...(config.services.has("push") ? [await startPush(config, options)] : []),
  ];
  return {
    url: origin?.url ?? null,
    async stop() {
      // HTTP first, so nothing new arrives; then the consumers commit what they handled and leave their groups.
      await origin?.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await backends.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.ok) {
    process.stderr.write(`origin: ${config.error.message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.value.logLevel);
  const aborted = new AbortController();
  let running: Promise<RunningServices> | null = null;
  const shutdown = (signalName: string) => {
    if (aborted.signal.aborted) process.exit(1);
    aborted.abort();
    log.info({ signal: signalName }, "shutting down");
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // A start that was still waiting for storage has nothing to stop.
    const stopped = running ? running.then((r) => r.stop(), () => undefined) : Promise.resolve();
    stopped.then(
      () => process.exit(0),
      (error) => {
        log.error({ err: errorMessage(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown).on("SIGINT", shutdown);
  running = startServices(config.value, log, aborted.signal);
  try {
    const services = await running;
    log.info({ services: [...config.value.services], url: services.url }, "origin started");
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
