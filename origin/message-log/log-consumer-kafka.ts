/**
 * LogConsumer on a kafkajs consumer group: `eachBatch` with offsets resolved and committed by hand, only past what
 * the CommitTracker says is handled. The contract is in log-consumer.ts.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { KafkaConfig } from "../config.js";
import { createConsumer, startAtEndIfNew, watchCrashes } from "../kafka/consumer.js";
import { decodeRecords } from "../kafka/decode.js";
import type { Logger } from "../shared/log.js";
import { consumerLag } from "../shared/metrics.js";
import { retryWhileOwned, type BatchControl } from "../shared/retry.js";
import { errorMessage } from "../shared/timeout.js";
import { CommitTracker } from "./commit-tracker.js";
import type { Consumed, ConsumedBatch, ConsumeOptions, Consuming, LogConsumer } from "./log-consumer.js";

export class KafkaLogConsumer implements LogConsumer {
  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {}

  consume<T>(options: ConsumeOptions<T>): Promise<Consuming> {
    const consumer = createConsumer(this.kafka, options.group, this.config);
    const member = new GroupMember(
      this.kafka,
      this.config.topics[options.stream],
      consumer,
      options,
      this.log.child({ service: options.service }),
    );
    return member.start();
  }
}

class GroupMember<T> {
  private readonly tracker = new CommitTracker();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private commits = Promise.resolve();
  private commitQueued = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly consumer: Consumer,
    private readonly options: ConsumeOptions<T>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<Consuming> {
    const { group, startAt, concurrency } = this.options;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const owned = event.payload.memberAssignment[this.topic] ?? [];
      this.tracker.retain(owned);
      this.options.assigned?.(owned);
    });
    const watch = watchCrashes(this.consumer);
    if (startAt === "end") await startAtEndIfNew(this.kafka, group, this.topic, this.log);
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.log.info({ groupId: group, topic: this.topic }, "consuming");
    return { ...watch, stop: () => this.stop() };
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    if (this.stopping) return;
    const work = this.handle(payload);
    this.inFlight.add(work);
    await work.finally(() => this.inFlight.delete(work));
  }

  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const fresh = batch.messages.filter((r) => this.tracker.isNew(batch.partition, r.offset));
    if (fresh.length > 0) {
      const handed = this.batchOf(payload, fresh);
      // On stop a failed batch is not retried: its records stay uncommitted for the next process.
      const control: BatchControl = {
        isRunning: () => payload.isRunning() && !this.stopping,
        isStale: () => payload.isStale(),
        heartbeat: () => payload.heartbeat(),
      };
      const answered = await retryWhileOwned(
        this.options.service,
        () => this.options.handle(handed),
        control,
        this.log,
      );
      if (!answered || !handed.owned()) return;
    }
    this.tracker.advance(batch.partition, batch.lastOffset());
    payload.resolveOffset(batch.lastOffset());
    consumerLag.set(
      { group: this.options.group, topic: batch.topic, partition: String(batch.partition) },
      Number(batch.offsetLag()),
    );
    // Not awaited: the next batch need not wait for this one's commit, and the commits of all partitions that
    // finished meanwhile go in one request. A commit lost in a crash only has the records handled again.
    this.commitSoon();
  }

  private batchOf(payload: EachBatchPayload, records: KafkaMessage[]): ConsumedBatch<T> {
    const { topic, partition } = payload.batch;
    const taken = new Set<string>();
    return {
      partition,
      ...decodeRecords(this.options.schema, { topic, partition, service: this.options.service }, records),
      hold: (event: Consumed<T>) => {
        if (taken.has(event.offset)) this.tracker.hold(partition, event.offset);
        else {
          taken.add(event.offset);
          this.tracker.begin(partition, event.offset);
        }
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.tracker.finish(partition, event.offset);
          this.commitSoon();
        };
      },
      owned: () => payload.isRunning() && !payload.isStale(),
      yield: async () => {
        await new Promise(setImmediate);
        await payload.heartbeat();
      },
    };
  }

  /** Releases come in bursts (a notification releases every record it carried): one commit follows them. */
  private commitSoon(): void {
    if (this.commitQueued) return;
    this.commitQueued = true;
    queueMicrotask(() => {
      this.commitQueued = false;
      this.commit().catch((error: unknown) =>
        this.log.warn({ err: errorMessage(error) }, "offsets not committed; the next commit retries"),
      );
    });
  }

  /** Commits every partition's committable offset, one commit at a time. */
  private commit(): Promise<void> {
    this.commits = this.commits.then(() => this.commitReady());
    return this.commits;
  }

  /** A failed commit (mid-rebalance, say) is retried by the next one. */
  private async commitReady(): Promise<void> {
    const ready = this.tracker.committable();
    if (ready.length === 0) return;
    try {
      await this.consumer.commitOffsets(ready.map((r) => ({ topic: this.topic, ...r })));
      for (const r of ready) this.tracker.committed(r.partition, r.offset);
    } catch (error) {
      this.log.warn({ err: errorMessage(error) }, "offsets not committed; the next commit retries");
    }
  }

  /** kafkajs refuses commits once the consumer stopped, so: stop fetching, finish what is in hand, commit, leave. */
  private async stop(): Promise<void> {
    this.stopping = true;
    try {
      this.consumer.pause([{ topic: this.topic }]);
    } catch {
      // A consumer that crashed fetches nothing, and has nothing to pause.
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.options.drain?.();
    await this.commit();
    await this.consumer.disconnect();
  }
}
