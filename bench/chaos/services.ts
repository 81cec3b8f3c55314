/**
 * The local Kafka, Cassandra and Redis lifecycle (scripts/services/lib.mjs), typed for the chaos tool and the test
 * run's global setup. The module is plain JavaScript without declarations, so it is loaded by URL; only the calls
 * used here are typed.
 */
export interface ServiceState {
  name: string;
  state: string;
  pid?: number;
  seconds?: number;
}

/** A service's definition in lib.mjs (opaque here: passed back to `start` and `stop`). */
export type ServiceDefinition = { readonly name: string };

export interface ServicesLib {
  SERVICES: Record<"kafka" | "cassandra" | "redis", ServiceDefinition>;
  /** Reuses a server that answers, waits for one of ours that is starting, or starts one (`state: "started"`). */
  start(svc: ServiceDefinition, options?: { log?: (line: string) => void }): Promise<ServiceState>;
  /** Stops a server this script started; leaves any other alone. */
  stop(svc: ServiceDefinition): Promise<ServiceState>;
  killKafka(): Promise<ServiceState>;
  startKafka(options?: { log?: (line: string) => void }): Promise<ServiceState>;
  killCassandra(): Promise<ServiceState>;
  startCassandra(options?: { log?: (line: string) => void }): Promise<ServiceState>;
}

let loaded: Promise<ServicesLib> | null = null;

export function servicesLib(): Promise<ServicesLib> {
  const url = new URL("../../scripts/services/lib.mjs", import.meta.url).href;
  loaded ??= import(url) as Promise<ServicesLib>;
  return loaded;
}
