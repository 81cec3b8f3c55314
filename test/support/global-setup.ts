/**
 * Once per test run: bundles the Worker, and makes sure Kafka, Cassandra and Redis answer on 127.0.0.1, with the
 * same code as `npm run services -- up` (scripts/services/lib.mjs): a server that already answers is reused, a
 * missing one is started (Kafka and Cassandra from Maven Central jars on Java 17), and only what this run started
 * is stopped when it ends. `TEST_SERVICES=0` skips the servers (the tests that need them then fail, saying so).
 */
import { servicesLib } from "../../bench/chaos/services.js";
import { buildWorker } from "./bundle.js";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  await buildWorker();
  if (process.env.TEST_SERVICES === "0") return undefined;
  const lib = await servicesLib();
  const services = Object.values(lib.SERVICES);
  const log = (line: string) => console.log(`[services] ${line}`);
  const results = await Promise.allSettled(services.map((svc) => lib.start(svc, { log })));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [firstLines(r.reason)] : []));
  const started = results.flatMap((r, i) =>
    r.status === "fulfilled" && r.value.state === "started" ? [services[i]!] : [],
  );
  if (failures.length > 0) {
    await Promise.allSettled(started.map((svc) => lib.stop(svc)));
    throw new Error(`the test servers could not start:\n${failures.join("\n")}`);
  }
  for (const svc of started) log(`${svc.name}: started for this run; stopped when it ends`);
  return async () => {
    await Promise.allSettled(started.map((svc) => lib.stop(svc)));
  };
}

/** A ServiceError's message says what is missing and how to install it in its first lines; log tails follow. */
function firstLines(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n").slice(0, 3).join("\n");
}
