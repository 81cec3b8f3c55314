/** MessageLog on Kafka: an idempotent producer with acks=all; concurrent appends share produce requests. */
import { type Admin, type Kafka, type Producer, type ProducerConfig } from "kafkajs";
import { fail, ok, type Result } from "../../protocol/errors.js";
import type { KafkaConfig } from "../config.js";
import { rememberingPartitioner } from "../kafka/partitioner.js";
import { GroupCommit } from "../shared/group-commit.js";
import type { Logger } from "../shared/log.js";
import { errorMessage, withTimeout } from "../shared/timeout.js";
import type { LogRecord, MessageLog, Stream } from "./message-log.js";

const HEALTH_TIMEOUT_MS = 2_000;

/**
 * Bytes of keys and values per produce request when appends are grouped: well under the broker's 1 MB default
 * `message.max.bytes` (checked per partition's record batch) whatever the partitioning.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Every in-sync replica must acknowledge a record before `append` resolves (the contract in message-log.ts). */
export const ACKS_ALL = -1;

/** The ingest producer's settings; the `origin` bench's raw produce ceiling uses them too. */
export const PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  // Retries are bounded so a dead broker fails the request; `discard` keeps that safe (see there).
  retry: { retries: 5 },
  createPartitioner: rememberingPartitioner,
};

export class KafkaMessageLog implements MessageLog {
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly writes: GroupCommit<LogRecord>;
  /** "topic#partition" of every record the current append gave a partition (one append is in flight at a time). */
  private readonly partitionsSent = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {
    this.writes = new GroupCommit({
      write: (records) => this.send(records),
      weigh: (r) => Buffer.byteLength(r.value) + (r.key === null ? 0 : Buffer.byteLength(r.key)),
      maxWeight: MAX_REQUEST_BYTES,
      timeoutMs: config.sendTimeoutMs,
      what: "kafka append",
    });
  }

  async append(records: readonly LogRecord[]): Promise<Result<void>> {
    if (records.length === 0) return ok(undefined);
    try {
      await this.writes.submit(records);
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", `message log: ${errorMessage(error)}`);
    }
  }

  async check(): Promise<Result<void>> {
    try {
      await withTimeout(
        this.connectedAdmin().then((a) => a.describeCluster()),
        HEALTH_TIMEOUT_MS,
        "kafka describeCluster",
      );
      return ok(undefined);
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      admin?.then((a) => a.disconnect()).catch(() => undefined);
      return fail("unavailable", errorMessage(error));
    }
  }

  async close(): Promise<void> {
    const clients = [this.producer, this.admin];
    this.producer = this.admin = null;
    await Promise.allSettled(clients.map(async (c) => (await c)?.disconnect()));
  }

  /** One produce request for everything appended while the previous one was in flight. */
  private async send(records: LogRecord[]): Promise<void> {
    const producer = this.connectedProducer();
    try {
      this.partitionsSent.clear();
      const answers = await withTimeout(
        producer.then((p) => p.sendBatch({ acks: ACKS_ALL, topicMessages: this.byTopic(records) })),
        this.config.sendTimeoutMs,
        "kafka append",
      );
      const answered = new Set(answers.map((a) => `${a.topicName}#${a.partition}`));
      const skipped = [...this.partitionsSent].filter((p) => !answered.has(p));
      if (skipped.length > 0) throw new Error(`kafka append: no broker acknowledged ${skipped.join(", ")}`);
    } catch (error) {
      this.discard(producer, error);
      throw error;
    }
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= this.newProducer();
    return this.producer;
  }

  /**
   * kafkajs 2.2.4 sends one request per leader broker and, when one fails (its leader moved), retries only for the
   * brokers that have not answered: a partition that moved to a broker which already answered for others is never
   * sent, and `sendBatch` resolves all the same (found by `npm run chaos -- --cluster rolling`, docs/reliability.md).
   * So the append notes every partition its records were given and fails unless each of them was acknowledged.
   */
  private async newProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      ...PRODUCER_CONFIG,
      createPartitioner: () => {
        const choose = rememberingPartitioner();
        return (args) => {
          const partition = choose(args);
          this.partitionsSent.add(`${args.topic}#${partition}`);
          return partition;
        };
      },
    });
    await producer.connect();
    return producer;
  }

  /**
   * After a failed send the idempotent producer's sequence numbers may disagree with the broker's (a batch written but
   * its answer lost): a new record reusing that sequence would be dropped as a duplicate and still acknowledged. A new
   * producer gets a new producer id, so nothing can be mistaken for an earlier batch.
   */
  private discard(producer: Promise<Producer>, error: unknown): void {
    if (this.producer === producer) this.producer = null;
    this.log.warn({ err: errorMessage(error) }, "kafka append failed; the producer is replaced");
    producer.then((p) => p.disconnect()).catch(() => undefined);
  }

  private byTopic(records: readonly LogRecord[]) {
    const topics = new Map<Stream, { key: string | null; value: string }[]>();
    for (const r of records) {
      const list = topics.get(r.stream) ?? [];
      list.push({ key: r.key, value: r.value });
      topics.set(r.stream, list);
    }
    return [...topics].map(([stream, messages]) => ({ topic: this.config.topics[stream], messages }));
  }
}
