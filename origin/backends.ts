/**
 * The clients of one origin process, shared by the services it runs. Each connects on first use, so a process
 * only opens the connections its services need, and a backend that is down fails requests instead of the start.
 */
import cassandra from "cassandra-driver";
import { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import { createCassandra } from "./cassandra/client.js";
import type { OriginConfig } from "./config.js";
import { createKafka } from "./kafka/client.js";
import type { Logger } from "./shared/log.js";

export interface Backends {
  kafka: Kafka;
  cassandra: cassandra.Client;
  redis: Redis;
  close(): Promise<void>;
}

export function openBackends(config: OriginConfig, log: Logger): Backends {
  const kafka = createKafka(config.kafka, log);
  const cassandraClient = createCassandra(config.cassandra);
  const redis = new Redis(config.redis.url, {
    keyPrefix: config.redis.prefix,
    lazyConnect: true,
    // Fail a command after two reconnect attempts rather than queueing it for as long as Redis is down.
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
  redis.on("error", (error: Error) => log.warn({ err: error.message }, "redis connection error"));
  return {
    kafka,
    cassandra: cassandraClient,
    redis,
    async close() {
      await Promise.allSettled([
        cassandraClient.shutdown(),
        redis.status === "wait" ? redis.disconnect() : redis.quit(),
      ]);
    },
  };
}
