/**
 * Prometheus metrics of the origin (`GET /metrics`). One registry per process: every service started in the process
 * counts into it, which is what a scrape of that process should show.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const ingestedEvents = new Counter({
  name: "origin_ingested_events_total",
  help: "Events accepted by POST /v1/ingest, by kind",
  labelNames: ["kind"] as const,
  registers: [registry],
});

export const deadLetters = new Counter({
  name: "origin_dead_letters_total",
  help: "Events or records sent to the dead-letter topic, by the service that rejected them",
  labelNames: ["service"] as const,
  registers: [registry],
});

export const ingestFailures = new Counter({
  name: "origin_ingest_failures_total",
  help: "Ingest batches answered 503 because a backend failed, by backend",
  labelNames: ["backend"] as const,
  registers: [registry],
});

export const batchRetries = new Counter({
  name: "origin_batch_retries_total",
  help: "Failed attempts to handle a consumed batch (backend down), retried without committing, by service",
  labelNames: ["service"] as const,
  registers: [registry],
});

export const persistedMessages = new Counter({
  name: "origin_persisted_messages_total",
  help: "Log entries (messages and actions) written to Cassandra by the persister (re-deliveries count again)",
  registers: [registry],
});

export const pushesSent = new Counter({
  name: "origin_pushes_sent_total",
  help: "Web Push notifications accepted by a push service",
  registers: [registry],
});

export const pushesFailed = new Counter({
  name: "origin_pushes_failed_total",
  help: "Web Push notifications that failed, by reason (gone: 404/410 or refused by the endpoint policy, removed; rejected: another 4xx but 429 or a redirect, removed after PUSH_MAX_REJECTIONS in a row; error: 5xx, 429, network)",
  labelNames: ["reason"] as const,
  registers: [registry],
});

export const pushUnknownMembers = new Counter({
  name: "origin_push_unknown_members_total",
  help: "Messages the push service read for a conversation whose members it does not know (no members event read, none stored): nobody is notified of them",
  registers: [registry],
});

export const consumerLag = new Gauge({
  name: "origin_consumer_lag",
  help: "Records behind the high watermark, as of the last batch fetched, per consumer group and partition",
  labelNames: ["group", "topic", "partition"] as const,
  registers: [registry],
});

export const unverifiedBodyBytes = new Gauge({
  name: "origin_unverified_body_bytes",
  help: "Bytes of signed request bodies being received and not yet checked against their signed hash (INGEST_MAX_UNVERIFIED_BYTES bounds it)",
  registers: [registry],
});

export const refusedRequests = new Counter({
  name: "origin_refused_requests_total",
  help: "Edge API requests refused before their handler, by reason (signature, too_large, no_length, busy, replay, replay_store, body_read, body_hash)",
  labelNames: ["reason"] as const,
  registers: [registry],
});
