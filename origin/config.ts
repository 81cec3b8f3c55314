/**
 * The one place the origin reads its environment. Every value has a documented default (origin/README.md,
 * "Configuration"); everything else receives the parsed `OriginConfig` as an argument.
 */
import webpush from "web-push";
import { fail, ok, type Result } from "../protocol/errors.js";
import { MAX_INGEST_BYTES } from "../protocol/events.js";
import { STRICT_ENDPOINT_POLICY, type EndpointPolicy } from "../protocol/push-endpoint.js";

export const SERVICE_NAMES = ["ingest", "persister", "push"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** `reports`: members' reports of messages, for operators to read (KAFKA_TOPIC_REPORTS). */
  topics: { messages: string; dlq: string; reports: string };
  groups: { persister: string; push: string };
  partitions: number;
  replicationFactor: number;
  /**
   * Replicas that must have a record before acks=all acknowledges it (the topics' `min.insync.replicas`): with fewer in
   * sync the broker refuses writes rather than keep them on too few disks.
   */
  minInsyncReplicas: number;
  /** Upper bound on one ingest produce, connection retries included, before the batch answers 503. */
  sendTimeoutMs: number;
  /** How long the group waits for a silent consumer before handing its partitions to another. */
  sessionTimeoutMs: number;
}

export interface CassandraConfig {
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
  replicationFactor: number;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface PushConfig {
  vapid: VapidKeys;
  coalesceMs: number;
  ttlSeconds: number;
  /** Which endpoints subscriptions may name and sends may reach (protocol/push-endpoint.ts). */
  endpoints: EndpointPolicy;
  /** Subscriptions kept per user; one more replaces the oldest. */
  maxSubscriptionsPerUser: number;
  /** Web Push sends in flight per process, across every notification. */
  sendConcurrency: number;
  /** Refusals in a row (4xx but 404/410/429, or a redirect) after which a subscription is removed. */
  maxRejections: number;
}

export interface OriginConfig {
  /** NODE_ENV=production: VAPID keys are required with push, and no dev or insecure switch is accepted. */
  production: boolean;
  /** ORIGIN_DEV=1: a local origin (the dev secret, http push endpoints on any host). */
  dev: boolean;
  host: string;
  port: number;
  /** Where `/healthz` and `/metrics` are served: never on the ingest's published port. */
  ops: { host: string; port: number };
  secret: string;
  /** While ORIGIN_SECRET is rotated, edge requests signed with the previous secret are still accepted. */
  previousSecret: string | undefined;
  /** Bytes of request bodies an ingest process receives at once before they are verified; past it, 503. */
  maxUnverifiedBytes: number;
  services: ReadonlySet<ServiceName>;
  logLevel: string;
  kafka: KafkaConfig;
  cassandra: CassandraConfig;
  redis: { url: string; prefix: string };
  presenceTtlSeconds: number;
  push: PushConfig;
}

type Env = Record<string, string | undefined>;

const DEV_SECRET = "dev-origin-secret-change-me";
const DEV_VAPID_SUBJECT = "mailto:dev@example.invalid";

/** Parses the environment; a missing or malformed required value is an error, never a silent default. */
export function loadConfig(env: Env = process.env): Result<OriginConfig> {
  const production = env.NODE_ENV === "production";
  const dev = env.ORIGIN_DEV === "1";
  const numbers = readNumbers(env);
  if (!numbers.ok) return numbers;
  const modes = checkModes(env, production, dev);
  if (!modes.ok) return modes;
  // The dev secret is in the repository: only an origin started as a dev one may use it.
  const secret = env.ORIGIN_SECRET || (dev ? DEV_SECRET : undefined);
  if (!secret)
    return fail("bad_request", "ORIGIN_SECRET is required (ORIGIN_DEV=1 runs a local origin with the dev secret)");
  const services = readServices(env.ORIGIN_SERVICES);
  if (!services.ok) return services;
  const vapid = readVapid(env, production && services.value.has("push"));
  if (!vapid.ok) return vapid;
  const n = numbers.value;
  // More than the replicas would refuse every write; the default lets acks=all mean two copies wherever there are two.
  const minInsync = int(env, "KAFKA_MIN_INSYNC_REPLICAS", Math.min(2, n.kafkaReplication), 1, n.kafkaReplication);
  if (!minInsync.ok) return minInsync;
  const prefix = env.KAFKA_TOPIC_PREFIX ?? "";
  return ok({
    production,
    dev,
    // Loopback unless told: an origin on a bare host is not reachable from elsewhere by accident.
    host: env.ORIGIN_HOST || "127.0.0.1",
    port: n.port,
    ops: { host: env.ORIGIN_OPS_HOST || "127.0.0.1", port: n.opsPort },
    secret,
    previousSecret: env.ORIGIN_SECRET_PREVIOUS || undefined,
    maxUnverifiedBytes: n.maxUnverifiedBytes,
    services: services.value,
    logLevel: env.LOG_LEVEL || "info",
    kafka: {
      brokers: list(env.KAFKA_BROKERS, "127.0.0.1:9092"),
      clientId: env.KAFKA_CLIENT_ID || "chat-origin",
      topics: {
        messages: `${prefix}chat.messages`,
        dlq: `${prefix}chat.dlq`,
        reports: env.KAFKA_TOPIC_REPORTS || `${prefix}chat.reports`,
      },
      groups: { persister: `${prefix}chat-persister`, push: `${prefix}chat-push` },
      partitions: n.partitions,
      replicationFactor: n.kafkaReplication,
      minInsyncReplicas: minInsync.value,
      sendTimeoutMs: n.sendTimeoutMs,
      sessionTimeoutMs: n.sessionTimeoutMs,
    },
    cassandra: {
      contactPoints: list(env.CASSANDRA_CONTACT_POINTS, "127.0.0.1"),
      localDataCenter: env.CASSANDRA_DC || "datacenter1",
      keyspace: env.CASSANDRA_KEYSPACE || "chat",
      replicationFactor: n.cassandraReplication,
    },
    redis: { url: env.REDIS_URL || "redis://127.0.0.1:6379", prefix: env.REDIS_PREFIX ?? "" },
    presenceTtlSeconds: n.presenceTtl,
    push: {
      vapid: vapid.value,
      coalesceMs: n.coalesceMs,
      ttlSeconds: n.pushTtl,
      endpoints: readEndpointPolicy(env, dev),
      maxSubscriptionsPerUser: n.maxSubscriptions,
      sendConcurrency: n.sendConcurrency,
      maxRejections: n.maxRejections,
    },
  });
}

/** Production is never a dev origin, nor one that POSTs to plain-http push endpoints. */
function checkModes(env: Env, production: boolean, dev: boolean): Result<void> {
  if (production && dev) return fail("bad_request", "ORIGIN_DEV=1 is not allowed with NODE_ENV=production");
  if (production && env.PUSH_ALLOW_INSECURE_ENDPOINTS === "1")
    return fail("bad_request", "PUSH_ALLOW_INSECURE_ENDPOINTS=1 is not allowed with NODE_ENV=production");
  return ok(undefined);
}

/**
 * The strict policy (https on the default port to the browsers' push services) unless the dev switch or
 * PUSH_ALLOW_INSECURE_ENDPOINTS=1 allows local push services (http, any host, any port). PUSH_ENDPOINT_HOSTS
 * replaces the host list either way.
 */
function readEndpointPolicy(env: Env, dev: boolean): EndpointPolicy {
  const allowInsecure = env.PUSH_ALLOW_INSECURE_ENDPOINTS ? env.PUSH_ALLOW_INSECURE_ENDPOINTS === "1" : dev;
  const policy: EndpointPolicy = allowInsecure ? { allowInsecure, hosts: null } : STRICT_ENDPOINT_POLICY;
  return env.PUSH_ENDPOINT_HOSTS ? { ...policy, hosts: list(env.PUSH_ENDPOINT_HOSTS, "") } : policy;
}

function readNumbers(env: Env) {
  const fields = {
    port: int(env, "ORIGIN_PORT", 8788, 0, 65535),
    opsPort: int(env, "ORIGIN_OPS_PORT", 8789, 0, 65535),
    // 32 of the largest bodies; at least one, or nothing could ever be received.
    maxUnverifiedBytes: int(env, "INGEST_MAX_UNVERIFIED_BYTES", 32 * MAX_INGEST_BYTES, MAX_INGEST_BYTES, 2 ** 40),
    partitions: int(env, "KAFKA_PARTITIONS", 6, 1, 10_000),
    kafkaReplication: int(env, "KAFKA_REPLICATION_FACTOR", 1, 1, 16),
    // Below the edge's 10 s request timeout, so the edge sees a 503 rather than an abort.
    sendTimeoutMs: int(env, "KAFKA_SEND_TIMEOUT_MS", 8_000, 100, 600_000),
    sessionTimeoutMs: int(env, "KAFKA_SESSION_TIMEOUT_MS", 30_000, 6_000, 600_000),
    cassandraReplication: int(env, "CASSANDRA_REPLICATION_FACTOR", 1, 1, 16),
    presenceTtl: int(env, "PRESENCE_TTL_SECONDS", 60, 1, 86_400),
    coalesceMs: int(env, "PUSH_COALESCE_MS", 1_000, 0, 600_000),
    pushTtl: int(env, "PUSH_TTL_SECONDS", 86_400, 0, 2_419_200),
    maxSubscriptions: int(env, "PUSH_MAX_SUBSCRIPTIONS_PER_USER", 10, 1, 1_000),
    sendConcurrency: int(env, "PUSH_SEND_CONCURRENCY", 16, 1, 10_000),
    maxRejections: int(env, "PUSH_MAX_REJECTIONS", 3, 1, 1_000),
  };
  const values = {} as { [K in keyof typeof fields]: number };
  for (const [name, value] of Object.entries(fields) as [keyof typeof fields, Result<number>][]) {
    if (!value.ok) return value;
    values[name] = value.value;
  }
  return ok(values);
}

function int(env: Env, name: string, fallback: number, min: number, max: number): Result<number> {
  const raw = env[name];
  if (raw === undefined || raw === "") return ok(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    return fail("bad_request", `${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return ok(value);
}

function list(raw: string | undefined, fallback: string): string[] {
  return (raw || fallback)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function readServices(raw: string | undefined): Result<ReadonlySet<ServiceName>> {
  const names = list(raw, SERVICE_NAMES.join(","));
  const unknown = names.find((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (unknown !== undefined)
    return fail(
      "bad_request",
      `ORIGIN_SERVICES: unknown service ${JSON.stringify(unknown)} (known: ${SERVICE_NAMES.join(", ")})`,
    );
  return ok(new Set(names as ServiceName[]));
}

/**
 * Browsers subscribe with the VAPID public key, so production must pin one key pair. Outside production a missing pair is
 * generated per process: enough for local push services, which accept any key.
 */
function readVapid(env: Env, required: boolean): Result<VapidKeys> {
  const subject = env.VAPID_SUBJECT || DEV_VAPID_SUBJECT;
  if (env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY)
    return ok({ publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject });
  if (required)
    return fail(
      "bad_request",
      "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required when the push service runs with NODE_ENV=production",
    );
  return ok({ ...webpush.generateVAPIDKeys(), subject });
}
