/**
 * The Cassandra client of one origin process. It names no keyspace: the driver would `USE` it on connect and fail
 * before the schema exists, so every statement names its tables with the keyspace instead.
 */
import cassandra from "cassandra-driver";
import type { CassandraConfig } from "../config.js";

export function createCassandra(config: CassandraConfig): cassandra.Client {
  return new cassandra.Client({
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true },
    socketOptions: { connectTimeout: 5_000, readTimeout: 12_000 },
    // The driver's default schedule grows to 10 minutes between attempts, so a node back after a long outage
    // would sit unused (persistence stalled) for minutes; retry often, whatever the outage lasted.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
  });
}
