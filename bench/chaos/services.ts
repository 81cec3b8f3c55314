/**
 * The local Kafka and Cassandra lifecycle (scripts/services/lib.mjs), typed for the chaos tool. The module is
 * plain JavaScript without declarations, so it is loaded by URL; only the calls used here are typed.
 */
export interface ServiceState {
  name: string;
  state: string;
  pid?: number;
  seconds?: number;
}

export interface ServicesLib {
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
