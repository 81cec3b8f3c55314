/**
 * Shared helpers of the origin integration tests. They run against the real Kafka, Cassandra and Redis
 * (`npm run services -- up`); each test file gets its own keyspace, topic prefix, consumer groups and Redis
 * prefix, and removes them afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import cassandra from "cassandra-driver";
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { openBackends, type Backends } from "../../origin/backends.js";
import { loadConfig, type OriginConfig, type ServiceName } from "../../origin/config.js";
import { startWithBackends, type RunningServices } from "../../origin/main.js";
import { bucketOf } from "../../origin/message-store/buckets.js";
import { prepareWhenReady } from "../../origin/setup.js";
import { createLogger, type Logger } from "../../origin/shared/log.js";
import { pushesFailed } from "../../origin/shared/metrics.js";
import { withTimeout } from "../../origin/shared/timeout.js";
import type { ActionEvent, MembersEvent, MessageEvent } from "../../protocol/events.js";
import { signRequest } from "../../protocol/signature.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SECRET = "origin-test-secret";
/** Quiet unless asked: LOG_LEVEL=warn npx vitest run test/origin/... */
export const log = createLogger(process.env.LOG_LEVEL ?? "silent");
const START_SERVICES = "start the services with `npm run services -- up`";

/** The environment of one test file's origin: unique names, real servers, quiet logs. */
export function testEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const id = `${name}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  return {
    NODE_ENV: "test",
    ORIGIN_HOST: "127.0.0.1",
    ORIGIN_PORT: "0",
    ORIGIN_OPS_PORT: "0",
    ORIGIN_SECRET: SECRET,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
    KAFKA_TOPIC_PREFIX: `test-${id.replaceAll("_", "-")}.`,
    KAFKA_PARTITIONS: "3",
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    CASSANDRA_CONTACT_POINTS: process.env.CASSANDRA_CONTACT_POINTS ?? "127.0.0.1",
    CASSANDRA_KEYSPACE: `test_${id}`,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    REDIS_PREFIX: `test:${id}:`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    ...extra,
  };
}

export function configOf(env: Record<string, string>): OriginConfig {
  const config = loadConfig(env);
  if (!config.ok) throw new Error(config.error.message);
  return config.value;
}

export type ServerName = "kafka" | "cassandra" | "redis";

/** Fails fast, naming the server that is down and how to start it. */
export async function requireServices(
  config: OriginConfig,
  which: ServerName[] = ["kafka", "cassandra", "redis"],
): Promise<void> {
  const probes: Record<ServerName, () => Promise<unknown>> = {
    kafka: () => withKafkaAdmin(config, (admin) => admin.describeCluster()),
    cassandra: async () => {
      const client = new cassandra.Client({
        contactPoints: config.cassandra.contactPoints,
        localDataCenter: config.cassandra.localDataCenter,
      });
      try {
        await client.execute("SELECT release_version FROM system.local");
      } finally {
        await client.shutdown();
      }
    },
    redis: async () => {
      const redis = new Redis(config.redis.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      }).on("error", () => undefined);
      try {
        await redis.connect();
        await redis.ping();
      } finally {
        redis.disconnect();
      }
    },
  };
  for (const name of which) {
    try {
      await withTimeout(probes[name](), 10_000, `${name} probe`);
    } catch (error) {
      throw new Error(
        `${name} is unreachable (${error instanceof Error ? error.message : String(error)}): ${START_SERVICES}`,
      );
    }
  }
}

/** Opens the run's clients and prepares its keyspace and topics, retrying as the origin does at start (setup.ts). */
export async function prepareRun(config: OriginConfig): Promise<Backends> {
  const backends = openBackends(config, log);
  await prepareWhenReady(config, backends, log, AbortSignal.timeout(PREPARE_TIMEOUT_MS));
  return backends;
}

/** Servers that just started (CI starts them right before the suite) may refuse setup for a few seconds. */
const PREPARE_TIMEOUT_MS = 60_000;

/**
 * The services `services` names (comma-separated, as ORIGIN_SERVICES) on the run's clients, wired and started as
 * origin/main.ts starts a process: each such process has stores and an ops server of its own.
 */
export function startProcess(
  config: OriginConfig,
  services: string,
  backends: Backends,
  processLog: Logger = log,
): Promise<RunningServices> {
  return startWithBackends(
    { ...config, services: new Set(services.split(",") as ServiceName[]) },
    backends,
    processLog,
  );
}

export type RunningOrigin = RunningServices;

/** The ingest alone on shared clients (a chaos run stops it and starts it again on the same port). */
export function startOrigin(
  config: OriginConfig,
  options: { log: Logger; backends: Backends },
): Promise<RunningOrigin> {
  return startProcess(config, "ingest", options.backends, options.log);
}

/**
 * The config with the port a started origin bound (it was started on port 0): a restart then takes the same one,
 * which the edge's ORIGIN_URL names.
 */
export function boundTo(config: OriginConfig, url: string): OriginConfig {
  return { ...config, port: Number(new URL(url).port) };
}

/** Drops everything the run created: keyspace, topics, consumer groups, Redis keys. */
export async function cleanupRun(config: OriginConfig, backends?: Backends): Promise<void> {
  const prefix = config.kafka.topics.messages.slice(0, -"chat.messages".length);
  await Promise.allSettled([
    backends?.cassandra.execute(`DROP KEYSPACE IF EXISTS ${config.cassandra.keyspace}`),
    withKafkaAdmin(config, async (admin) => {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) });
    }),
    deleteRedisKeys(config),
  ]);
  await backends?.close();
}

async function deleteRedisKeys(config: OriginConfig): Promise<void> {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null }).on(
    "error",
    () => undefined,
  );
  try {
    const keys = await redis.keys(`${config.redis.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export interface OriginRun {
  /** The variables `config` was loaded from, for a test that loads a variant (another server, other services). */
  env: Record<string, string>;
  config: OriginConfig;
  backends: Backends;
}

export interface OriginRunOptions<P extends string> {
  /** Variables over testEnv's. */
  env?: Record<string, string>;
  /** The servers the file needs: all three unless told. */
  services?: ServerName[];
  /** Processes started in this order, each under its name with its services (as ORIGIN_SERVICES), and stopped so. */
  processes?: Record<P, string>;
  /** The consumer groups that must be Stable before the tests: the processes' consumers own their partitions. */
  stable?: (keyof OriginConfig["kafka"]["groups"])[];
}

/** A run with its processes, each under the name the file gave it. */
export type OriginRunWith<P extends string> = OriginRun & Record<P, RunningOrigin>;

/**
 * Every file runs on its own keyspace, topics and prefix, so that files running side by side never see each other's
 * records, and drops them afterwards, its processes stopped first: they run on the run's clients, which the cleanup
 * closes. A test that restarts a process puts the new one under the same name, so that it is the one stopped; a file's
 * own hooks, registered after this call, run after this setup and before this teardown.
 */
export function useOriginRun<P extends string = never>(
  name: string,
  options: OriginRunOptions<P> = {},
): OriginRunWith<P> {
  const run = {} as OriginRunWith<P>;
  beforeAll(() => startRun(run, name, options));
  afterAll(() => stopRun(run, Object.keys(options.processes ?? {}) as P[]));
  return run;
}

async function startRun<P extends string>(
  run: OriginRunWith<P>,
  name: string,
  { env, services, processes, stable = [] }: OriginRunOptions<P>,
): Promise<void> {
  run.env = testEnv(name, env);
  run.config = configOf(run.env);
  await requireServices(run.config, services);
  run.backends = await prepareRun(run.config);
  for (const [key, which] of Object.entries<string>(processes ?? {}))
    Object.assign(run, { [key]: await startProcess(run.config, which, run.backends) });
  for (const group of stable) await groupStable(run.config, run.config.kafka.groups[group]);
}

async function stopRun<P extends string>(run: OriginRunWith<P>, processes: P[]): Promise<void> {
  for (const key of processes) await run[key]?.stop();
  if (run.config) await cleanupRun(run.config, run.backends);
}

/**
 * Records of the messages topic the persister has not committed yet (it commits a batch only after Cassandra
 * acknowledged it). Committed offsets are read first, so the end offsets read after them are never behind.
 */
export async function uncommittedMessages(admin: ReturnType<Kafka["admin"]>, config: OriginConfig): Promise<number> {
  return (await persisterOffsets(admin, config)).lag;
}

/** The persister group's committed offsets summed over partitions, and its lag: the records not yet committed. */
export async function persisterOffsets(
  admin: ReturnType<Kafka["admin"]>,
  config: OriginConfig,
): Promise<{ committed: number; lag: number }> {
  const topic = config.kafka.topics.messages;
  const [group] = await admin.fetchOffsets({ groupId: config.kafka.groups.persister, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  const done = new Map(group!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  const committed = [...done.values()].reduce((n, o) => n + o, 0);
  return { committed, lag: ends.reduce((sum, p) => sum + Number(p.high) - (done.get(p.partition) ?? 0), 0) };
}

/** Whether the persister has committed every record of the messages topic: all of it is in Cassandra. */
export function persisterCaughtUp(config: OriginConfig): Promise<boolean> {
  return withKafkaAdmin(config, async (admin) => (await uncommittedMessages(admin, config)) === 0);
}

export async function withKafkaAdmin<T>(
  config: OriginConfig,
  work: (admin: ReturnType<Kafka["admin"]>) => Promise<T>,
): Promise<T> {
  const admin = testKafka(config).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export function testKafka(config: OriginConfig): Kafka {
  return new Kafka({
    clientId: "origin-tests",
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

export interface TopicRecord {
  key: string | null;
  value: string;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning with a throwaway consumer group until `done` holds (or fails after `timeoutMs`). */
export async function readTopic(
  config: OriginConfig,
  topic: string,
  done: (records: TopicRecord[]) => boolean,
  timeoutMs = 20_000,
): Promise<TopicRecord[]> {
  const prefix = config.kafka.topics.messages.slice(0, -"chat.messages".length);
  const consumer = testKafka(config).consumer({
    groupId: `${prefix}reader-${randomBytes(4).toString("hex")}`,
    maxWaitTimeInMs: 200,
  });
  const records: TopicRecord[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? "",
          partition,
          offset: message.offset,
        });
        if (done(records)) finish();
      },
    });
    await withTimeout(finished, timeoutMs, `reading ${topic}`);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

export interface SignOptions {
  secret?: string;
  timestamp?: number;
  /** Sign these instead of the request's own: a signature moved to another body, method or path. */
  signedBody?: string;
  signedMethod?: string;
  signedPath?: string;
}

/** Signature headers made by the edge's own signer (protocol/signature.ts) for a request, or for another one. */
export function edgeSignature(
  baseUrl: string,
  method: string,
  path: string,
  body = "",
  opts: SignOptions = {},
): Promise<Record<string, string>> {
  const url = new URL(`${baseUrl}${opts.signedPath ?? path}`);
  return signRequest(
    opts.secret ?? SECRET,
    opts.signedMethod ?? method,
    url,
    opts.signedBody ?? body,
    opts.timestamp ?? Date.now(),
  );
}

/** A request with the given signature headers: a replay of a captured one, or one made up. */
export function sendSigned(
  baseUrl: string,
  method: string,
  path: string,
  body: string,
  signature: Record<string, string>,
): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...signature },
    ...(method === "POST" ? { body } : {}),
  });
}

/** A fetch to the origin, signed like the edge signs it (or not, or badly, as the test says). */
export async function signedFetch(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
  body = "",
  opts: SignOptions = {},
): Promise<Response> {
  return sendSigned(baseUrl, method, path, body, await edgeSignature(baseUrl, method, path, body, opts));
}

/** Records in the run's topics (messages, dead letters), counted by offsets: what an accepted request sent on. */
export async function loggedRecords(config: OriginConfig): Promise<number> {
  return withKafkaAdmin(config, async (admin) => {
    const topics = await Promise.all(Object.values(config.kafka.topics).map((topic) => admin.fetchTopicOffsets(topic)));
    return topics.flat().reduce((n, p) => n + Number(p.high), 0);
  });
}

export function ingest(baseUrl: string, events: unknown[]): Promise<Response> {
  return signedFetch(baseUrl, "POST", "/v1/ingest", JSON.stringify({ events }));
}

/** Message events seq `from`..`to` of one conversation, with bodies the assertions can recompute. */
export function messageEvents(conversationId: string, from: number, to: number, senderId = "alice"): MessageEvent[] {
  return Array.from({ length: to - from + 1 }, (_, i) => {
    const seq = from + i;
    return {
      kind: "message",
      conversationId,
      seq,
      senderId,
      clientMsgId: `c-${seq}`,
      body: bodyOf(conversationId, seq),
      sentAt: 1_700_000_000_000 + seq,
    };
  });
}

export const bodyOf = (conversationId: string, seq: number) => `message ${seq} of ${conversationId}`;

/** An action of `senderId` at `seq`, with the clientMsgId and sentAt messageEvents would give that seq. */
export function actionEvent(
  conversationId: string,
  seq: number,
  action: ActionEvent["action"],
  senderId = "alice",
): ActionEvent {
  return {
    kind: "action",
    conversationId,
    seq,
    senderId,
    clientMsgId: `c-${seq}`,
    sentAt: 1_700_000_000_000 + seq,
    action,
  };
}

/** A conversation's members at `version`, as the Conversation sends them before the messages that follow a change. */
export function membersEvent(conversationId: string, version: number, members: string[]): MembersEvent {
  return { kind: "members", conversationId, version, members, at: 1_700_000_000_000 + version };
}

export interface PushEventsOptions {
  senderId?: string;
  seq?: number;
  body?: string;
  version?: number;
}

/**
 * What makes the push service notify `recipients` (if they have no presence): the conversation's members (they and
 * the sender) and one message of the sender.
 */
export function pushEvents(
  conversationId: string,
  recipients: string[],
  options: PushEventsOptions = {},
): [MembersEvent, MessageEvent] {
  const { senderId = "bob", seq = 1, body = `message ${seq}`, version = 1 } = options;
  return [
    membersEvent(conversationId, version, [senderId, ...recipients]),
    { kind: "message", conversationId, seq, senderId, clientMsgId: `c-${seq}`, body, sentAt: 1_700_000_000_000 + seq },
  ];
}

/** Rows stored for a conversation whose seqs are at most `maxSeq`, counted partition by partition. */
export async function countMessages(
  backends: Backends,
  config: OriginConfig,
  conversationId: string,
  maxSeq: number,
): Promise<number> {
  let total = 0;
  for (let bucket = 0; bucket <= bucketOf(maxSeq); bucket++) {
    const rs = await backends.cassandra.execute(
      `SELECT COUNT(*) AS n FROM ${config.cassandra.keyspace}.messages WHERE conversation_id = ? AND bucket = ?`,
      [conversationId, bucket],
    );
    total += Number(rs.first().get("n"));
  }
  return total;
}

/**
 * Waits until the broker describes consumer group `groupId` as Stable with `members` members: its consumers own their
 * partitions, and read on from the group's offsets.
 */
export async function groupStable(config: OriginConfig, groupId: string, members = 1): Promise<void> {
  await waitFor(
    `consumer group ${groupId} stable with ${members} member(s)`,
    () =>
      withKafkaAdmin(config, async (admin) => {
        const [group] = (await admin.describeGroups([groupId])).groups;
        return group?.state === "Stable" && group.members.length === members;
      }),
    60_000,
    250,
  );
}

/** Polls `probe` until it returns something other than undefined/false. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether anything accepts a TCP connection at host:port (what a bind address lets in). */
export async function accepts(host: string, port: number): Promise<boolean> {
  const socket = connect(port, host);
  try {
    await once(socket, "connect");
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** This process's count of failed pushes for one reason (`origin_pushes_failed_total{reason}`). */
export async function failedPushes(reason: string): Promise<number> {
  return (await pushesFailed.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** A port nothing listens on (bound, then released): a "dead broker". */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface ChildOrigin {
  child: ChildProcess;
  output(): string;
  /** Resolves once the process logged "origin started", with the URL it serves (its bound port). */
  started: Promise<string>;
  exited: Promise<number | null>;
}

/** Runs origin/main.ts in a child process, as production does, with the given services (and Node flags). */
export function spawnOrigin(env: Record<string, string>, services: string, nodeArgs: string[] = []): ChildOrigin {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "origin/main.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env, ORIGIN_SERVICES: services, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const started = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /"url":"([^"]+)","msg":"origin started"/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`origin child exited (${code}) before starting:\n${output.slice(-2000)}`)),
    );
  });
  started.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, started, exited };
}
