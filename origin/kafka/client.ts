/** The kafkajs client of one origin process, logging through pino. */
import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { KafkaConfig } from "../config.js";
import type { Logger } from "../shared/log.js";

/**
 * kafkajs warns whenever an idempotent producer has bounded retries. We bound them on purpose and replace the producer
 * after any failure (message-log-kafka.ts, `discard`), which is what keeps that safe; the warning is noise.
 */
const EXPECTED_WARNING = "Limiting retries for the idempotent producer";

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

export function createKafka(config: KafkaConfig, log: Logger): Kafka {
  const kafkaLog = log.child({ lib: "kafkajs" });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    // Bounded retries: a dead broker must turn into a 503 within KAFKA_SEND_TIMEOUT_MS, not an endless wait.
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      // kafkajs repeats its own timestamp and logger name; pino has both already.
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry.log;
      const level = message.startsWith(EXPECTED_WARNING) ? "debug" : (LEVELS[entry.level] ?? "info");
      kafkaLog[level]({ ...fields, namespace: entry.namespace }, message);
    },
  });
}
