/**
 * The durability settings are the ones configured, on real servers: the origin's topics carry the configured
 * partitions, replicas and `min.insync.replicas`; the ingest's log produces idempotently with acks=-1 (every in-sync
 * replica); Cassandra reads and writes are LOCAL_QUORUM, so a keyspace with fewer live replicas than a quorum refuses
 * them, which the single node of `npm run services -- up` shows with a keyspace of two replicas.
 */
import net from "node:net";
import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { ConfigResourceTypes, Kafka } from "kafkajs";
import { loadConfig } from "../../../origin/config.js";
import { KafkaMessageLog } from "../../../origin/message-log/message-log-kafka.js";
import { log, useOriginRun, withKafkaAdmin } from "../support.js";

const BASE = { ORIGIN_SECRET: "s" };

describe("durability configuration", () => {
  it("asks two in-sync replicas of three by default, never more than there are replicas", () => {
    const kafkaOf = (env: Record<string, string>) => {
      const config = loadConfig({ ...BASE, ...env });
      return config.ok ? config.value.kafka : config.error.message;
    };
    expect(kafkaOf({})).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(kafkaOf({ KAFKA_REPLICATION_FACTOR: "3" })).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(kafkaOf({ KAFKA_REPLICATION_FACTOR: "5", KAFKA_MIN_INSYNC_REPLICAS: "3" })).toMatchObject({
      minInsyncReplicas: 3,
    });
    expect(kafkaOf({ KAFKA_REPLICATION_FACTOR: "3", KAFKA_MIN_INSYNC_REPLICAS: "4" })).toMatch(
      /KAFKA_MIN_INSYNC_REPLICAS must be an integer in 1\.\.3/,
    );
  });
});

describe("durability on real servers", () => {
  const run = useOriginRun("durability", { env: { KAFKA_PARTITIONS: "2" }, services: ["kafka", "cassandra"] });

  it("creates the topics with the configured partitions, replicas, min.insync.replicas and retention", async () => {
    const topics = Object.values(run.config.kafka.topics);
    const { described, metadata } = await withKafkaAdmin(run.config, async (admin) => ({
      described: await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      }),
      metadata: await admin.fetchTopicMetadata({ topics }),
    }));
    for (const topic of metadata.topics) {
      expect(topic.partitions).toHaveLength(run.config.kafka.partitions);
      for (const p of topic.partitions) expect(p.replicas).toHaveLength(run.config.kafka.replicationFactor);
    }
    const settings = Object.fromEntries(
      described.resources.map((r) => [
        r.resourceName,
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
    expect(settings[run.config.kafka.topics.messages]).toMatchObject({
      "min.insync.replicas": String(run.config.kafka.minInsyncReplicas),
      "retention.ms": String(7 * 24 * 3_600_000),
    });
    expect(settings[run.config.kafka.topics.dlq]).toMatchObject({
      "min.insync.replicas": String(run.config.kafka.minInsyncReplicas),
      "retention.ms": String(28 * 24 * 3_600_000),
    });
  });

  it("appends with an idempotent producer asking acks from every in-sync replica (acks=-1)", async () => {
    const wire = new ProduceTap();
    const kafka = new Kafka({ clientId: "durability", brokers: run.config.kafka.brokers, socketFactory: wire.factory });
    const messageLog = new KafkaMessageLog(kafka, run.config.kafka, log);
    try {
      const record = { stream: "messages" as const, key: "c1", value: '{"kind":"probe"}' };
      expect(await messageLog.append([record])).toEqual({ ok: true, value: undefined });
      // Asked again while a fresh broker's transaction coordinator is still loading: at least once is what matters.
      expect(wire.initProducerIds).toBeGreaterThanOrEqual(1);
      expect(wire.produceAcks.length).toBeGreaterThan(0);
      expect(new Set(wire.produceAcks)).toEqual(new Set([-1]));
    } finally {
      await messageLog.close();
    }
  });

  it("reads and writes Cassandra at LOCAL_QUORUM: two replicas of which one lives refuse, as a cluster would", async () => {
    const keyspace = `${run.config.cassandra.keyspace}_rf2`;
    await run.backends.cassandra.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${run.config.cassandra.localDataCenter}': 2}`,
    );
    try {
      await run.backends.cassandra.execute(`CREATE TABLE ${keyspace}.t (k text PRIMARY KEY, v text)`);
      const unavailable = {
        code: cassandra.types.responseErrorCodes.unavailableException,
        consistencies: cassandra.types.consistencies.localQuorum,
        required: 2,
        alive: 1,
      };
      const write = run.backends.cassandra.execute(`INSERT INTO ${keyspace}.t (k, v) VALUES (?, ?)`, ["k", "v"]);
      expect(await refusalOf(write)).toMatchObject(unavailable);
      const read = run.backends.cassandra.execute(`SELECT v FROM ${keyspace}.t WHERE k = ?`, ["k"]);
      expect(await refusalOf(read)).toMatchObject(unavailable);
    } finally {
      await run.backends.cassandra.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    }
  });
});

/** The server's own answer: the driver wraps it in NoHostAvailable once its retry policy tried every host. */
async function refusalOf(query: Promise<unknown>): Promise<unknown> {
  const error = await query.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
  const [first] = Object.values((error as cassandra.errors.NoHostAvailableError).innerErrors);
  return first;
}

/**
 * Reads the requests a kafkajs client writes to its sockets. A single broker cannot show acks=-1 by refusing a write
 * (it caps min.insync.replicas at the replication factor, 1), so the test reads what the producer asks for instead.
 */
class ProduceTap {
  produceAcks: number[] = [];
  initProducerIds = 0;

  readonly factory = ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }) => {
    const socket = net.connect({ host, port }, onConnect);
    let pending = Buffer.alloc(0);
    const write = socket.write.bind(socket) as (chunk: Buffer, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: Buffer, ...rest: unknown[]) => {
      pending = Buffer.concat([pending, Buffer.from(chunk)]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        this.read(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };

  /** Request header v1: api key, version, correlation id, client id; Produce v3+ then has transactional id, acks. */
  private read(request: Buffer): void {
    const apiKey = request.readInt16BE(0);
    if (apiKey === INIT_PRODUCER_ID) this.initProducerIds++;
    if (apiKey !== PRODUCE) return;
    let o = 8 + 2 + request.readInt16BE(8);
    if (request.readInt16BE(2) >= 3) o += 2 + Math.max(0, request.readInt16BE(o));
    this.produceAcks.push(request.readInt16BE(o));
  }
}

const PRODUCE = 0;
const INIT_PRODUCER_ID = 22;
