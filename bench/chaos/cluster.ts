/**
 * The local three-node cluster's lifecycle (scripts/services/cluster.mjs), typed for the chaos tool. The module is
 * plain JavaScript without declarations, so it is loaded by URL; only the calls used here are typed.
 */
import type { ServiceState } from "./services.js";

export interface ClusterNode {
  readonly name: string;
  readonly kind: "kafka" | "cassandra";
  /** 1..3: the broker's node id, and the node's address is 127.0.0.1<index>. */
  readonly index: number;
  readonly host: string;
  readonly port: number;
}

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterLib {
  /** What the origin needs to use the cluster: brokers, contact points, data center, replication. */
  CLUSTER_ENV: Record<string, string>;
  KAFKA_NODES: ClusterNode[];
  CASSANDRA_NODES: ClusterNode[];
  killNode(name: string): Promise<ServiceState>;
  stopNode(name: string): Promise<ServiceState>;
  startNode(name: string, options?: { log?: (line: string) => void }): Promise<ServiceState>;
  /** Resolves once every broker is registered, every partition's ISR is full and every Cassandra node is UN. */
  waitWhole(options?: { timeoutMs?: number; log?: (line: string) => void }): Promise<{ seconds: number }>;
  kafkaState(): Promise<{ whole: boolean; detail: string; partitions: PartitionState[] }>;
  cassandraState(): Promise<{ whole: boolean; detail: string }>;
}

let loaded: Promise<ClusterLib> | null = null;

export function clusterLib(): Promise<ClusterLib> {
  const url = new URL("../../scripts/services/cluster.mjs", import.meta.url).href;
  loaded ??= import(url) as Promise<ClusterLib>;
  return loaded;
}

/** Fails, saying how to start it, unless the cluster is whole now. */
export async function requireCluster(): Promise<ClusterLib> {
  const lib = await clusterLib();
  const [kafka, cassandra] = await Promise.all([lib.kafkaState(), lib.cassandraState()]);
  if (!kafka.whole || !cassandra.whole)
    throw new Error(
      `the cluster is not whole (kafka: ${kafka.detail}; cassandra: ${cassandra.detail}): start it with \`npm run services -- up --cluster\``,
    );
  return lib;
}
