/**
 * The origin behind the edge during a chaos run: ingest in this process (so it can be stopped and started on
 * the same port), the persister as a child process (so SIGKILL is real, mid-batch included), and the shared
 * Kafka, Cassandra and Redis with a keyspace, topic prefix and key prefix of its own, dropped afterwards.
 */
import cassandra from "cassandra-driver";
import type { Admin } from "kafkajs";
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import { bucketOf } from "../../origin/message-store/buckets.js";
import type { Attachment } from "../../protocol/attachments.js";
import {
  boundTo,
  cleanupRun,
  configOf,
  log,
  prepareRun,
  persisterOffsets,
  readTopic,
  requireServices,
  testKafka,
  SECRET,
  spawnOrigin,
  startOrigin,
  testEnv,
  uncommittedMessages,
  withKafkaAdmin,
  type ChildOrigin,
  type RunningOrigin,
} from "../../test/origin/support.js";
import { referencesOf } from "./files.js";

export interface StoredRow {
  seq: number;
  clientMsgId: string;
  body: string;
  /** Its attachment references (files.ts, referencesOf): "" for none. */
  attachments: string;
}

export class OriginPipeline {
  private ingest: RunningOrigin | null = null;
  private persister: ChildOrigin | null = null;
  private persisterOps: string | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly nodeReaders = new Map<string, cassandra.Client>();
  /**
   * The audit's own Cassandra client. It reconnects every half second: the origin's clients keep the driver's
   * default exponential policy, and recovery times measured through one of those would include its waits.
   */
  readonly reader: cassandra.Client;

  private constructor(
    readonly env: Record<string, string>,
    public config: OriginConfig,
    readonly backends: Backends,
  ) {
    this.reader = new cassandra.Client({
      contactPoints: config.cassandra.contactPoints,
      localDataCenter: config.cassandra.localDataCenter,
      // What the origin's own reads see (history, search): on a cluster a read at the driver's default, LOCAL_ONE,
      // may ask a replica that has not applied a write yet (a node just back, or one that dropped the mutation under
      // load), and would report entries missing or stale that the origin itself would serve.
      queryOptions: { consistency: cassandra.types.consistencies.localQuorum },
      policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
      socketOptions: { connectTimeout: 2_000, readTimeout: 5_000 },
    });
  }

  /** Fails with "start the services with `npm run services -- up`" when a server is unreachable. */
  static async start(name: string, extraEnv: Record<string, string> = {}): Promise<OriginPipeline> {
    const env = testEnv(`chaos_${name.replace(/-/g, "_")}`, extraEnv);
    const config = configOf(env);
    await requireServices(config);
    const pipeline = new OriginPipeline(env, config, await prepareRun(config));
    try {
      await pipeline.startIngest();
      await pipeline.startPersister();
    } catch (error) {
      await pipeline.stop();
      throw error;
    }
    return pipeline;
  }

  get url(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  /**
   * A query of the audit's, retried while the reader has no connection (up to `timeoutMs`): a restarted server
   * that serves again is not yet a client reconnected to it, and one answered query does not mean the next finds
   * a connection. The driver can still drop and rebuild its pool as the node's status events arrive (a suite run
   * failed on NoHostAvailable right after a probe query had been answered).
   */
  async read(
    query: string,
    params: unknown[],
    options: cassandra.QueryOptions,
    timeoutMs = 30_000,
    client = this.reader,
  ): Promise<cassandra.types.ResultSet> {
    for (const deadline = Date.now() + timeoutMs; ;) {
      try {
        return await client.execute(query, params, options);
      } catch (error) {
        if (!(error instanceof cassandra.errors.NoHostAvailableError) || Date.now() > deadline) {
          throw new Error(`the audit's Cassandra client could not read within ${timeoutMs} ms: ${String(error)}`, {
            cause: error,
          });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** What the edge needs to forward here. */
  get edgeBindings(): Record<string, string> {
    return { ORIGIN_URL: this.url, ORIGIN_SECRET: SECRET };
  }

  async startIngest(): Promise<void> {
    this.ingest ??= await startOrigin(this.config, { log, backends: this.backends });
    if (this.config.port === 0) this.config = boundTo(this.config, this.ingest.url);
  }

  async stopIngest(): Promise<void> {
    const ingest = this.ingest;
    this.ingest = null;
    await ingest?.stop();
  }

  async startPersister(): Promise<void> {
    if (this.persister) return;
    // ORIGIN_OPS_PORT is 0 in env: its /healthz and /metrics take a free port of their own.
    const child = spawnOrigin(this.env, "persister");
    this.persister = child;
    // A process without ingest serves nothing but /healthz and /metrics: the URL it logs is theirs.
    this.persisterOps = await child.started;
  }

  /** Log entries the running persister has written to Cassandra since it started (its own counter, /metrics). */
  async persisted(): Promise<number> {
    if (!this.persisterOps) throw new Error("no persister running");
    const text = await (await fetch(`${this.persisterOps}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    const line = /^origin_persisted_messages_total (\d+)/m.exec(text);
    if (!line) throw new Error("the persister's /metrics has no origin_persisted_messages_total");
    return Number(line[1]);
  }

  /** SIGKILL: the child gets no chance to finish its batch or commit anything. */
  async killPersister(): Promise<number> {
    const child = this.persister;
    this.persister = null;
    if (!child) throw new Error("no persister to kill");
    child.child.kill("SIGKILL");
    await child.exited;
    return child.child.pid ?? 0;
  }

  /**
   * Records of `chat.messages` the persister group has not committed yet. Read right after a SIGKILL, a
   * positive number means the persister died with records in hand (fetched or written, never committed).
   */
  async uncommitted(): Promise<number> {
    return withKafkaAdmin(this.config, (admin) => uncommittedMessages(admin, this.config));
  }

  /**
   * The persister group's progress on `chat.messages`: offsets committed over all partitions, and the records not yet
   * committed (its lag). One admin client for every call: this is sampled twice a second.
   */
  async persisterProgress(): Promise<{ committed: number; lag: number }> {
    this.admin ??= (async () => {
      const admin = testKafka(this.config).admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = null;
      throw error;
    });
    return persisterOffsets(await this.admin, this.config);
  }

  /**
   * Where `chat.messages` holds each of `keys` ("conversationId#seq"): "p<partition>@<offset>" per copy, and
   * each partition's committed offset, to tell "never reached Kafka" from "the persister skipped it".
   */
  async locate(keys: string[]): Promise<{ found: Map<string, string[]>; committed: string }> {
    const topic = this.config.kafka.topics.messages;
    const { total, committed } = await withKafkaAdmin(this.config, async (admin) => {
      const [group] = await admin.fetchOffsets({ groupId: this.config.kafka.groups.persister, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      return {
        total: ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
        committed: group!.partitions.map((p) => `p${p.partition}@${p.offset}`).join(" "),
      };
    });
    const wanted = new Set(keys);
    const found = new Map<string, string[]>();
    const records = await readTopic(this.config, topic, (r) => r.length >= total, 60_000);
    for (const r of records) {
      const event = JSON.parse(r.value) as { conversationId?: string; seq?: number };
      const key = `${event.conversationId}#${event.seq}`;
      if (wanted.has(key)) found.set(key, [...(found.get(key) ?? []), `p${r.partition}@${r.offset}`]);
    }
    return { found, committed };
  }

  /** Every stored row of a conversation with seq <= maxSeq, bucket by bucket, ascending. */
  rows(conversationId: string, maxSeq: number): Promise<StoredRow[]> {
    return this.rowsVia(this.reader, {}, conversationId, maxSeq);
  }

  /**
   * The rows as one node alone holds them (consistency ONE, no other host asked): after a node rejoined, whether it
   * got what it missed (hints), which a quorum read would hide by asking another replica.
   */
  rowsOn(host: string, conversationId: string, maxSeq: number): Promise<StoredRow[]> {
    let client = this.nodeReaders.get(host);
    if (!client) {
      const { localDataCenter } = this.config.cassandra;
      const policy = new cassandra.policies.loadBalancing.AllowListPolicy(
        new cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy(localDataCenter),
        [`${host}:9042`],
      );
      client = new cassandra.Client({
        contactPoints: [host],
        localDataCenter,
        policies: { loadBalancing: policy },
        socketOptions: { connectTimeout: 2_000, readTimeout: 5_000 },
      });
      this.nodeReaders.set(host, client);
    }
    return this.rowsVia(client, { consistency: cassandra.types.consistencies.one }, conversationId, maxSeq);
  }

  private async rowsVia(
    client: cassandra.Client,
    options: cassandra.QueryOptions,
    conversationId: string,
    maxSeq: number,
  ): Promise<StoredRow[]> {
    const out: StoredRow[] = [];
    const table = `${this.config.cassandra.keyspace}.messages`;
    for (let bucket = 0; bucket <= bucketOf(maxSeq); bucket++) {
      const rs = await this.read(
        `SELECT seq, client_msg_id, body, attachments FROM ${table} WHERE conversation_id = ? AND bucket = ? ORDER BY seq ASC`,
        [conversationId, bucket],
        { prepare: true, fetchSize: 5000, ...options },
        30_000,
        client,
      );
      for (const row of rs.rows)
        out.push({
          seq: (row.get("seq") as { toNumber(): number }).toNumber(),
          clientMsgId: String(row.get("client_msg_id")),
          body: String(row.get("body")),
          attachments: referencesOf(JSON.parse((row.get("attachments") as string | null) ?? "[]") as Attachment[]),
        });
    }
    return out;
  }

  /** The child's log lines (pino JSON), for a failure report. */
  persisterOutput(): string {
    return this.persister?.output() ?? "";
  }

  async stop(): Promise<void> {
    const child = this.persister;
    this.persister = null;
    if (child) {
      child.child.kill("SIGTERM");
      const timer = setTimeout(() => child.child.kill("SIGKILL"), 10_000);
      await child.exited;
      clearTimeout(timer);
    }
    await this.stopIngest().catch(() => undefined);
    await this.reader.shutdown().catch(() => undefined);
    for (const client of this.nodeReaders.values()) await client.shutdown().catch(() => undefined);
    await this.admin?.then((a) => a.disconnect()).catch(() => undefined);
    await cleanupRun(this.config, this.backends);
  }
}
