import type { z } from "zod";
import type { Result } from "../../protocol/errors.js";
import type { HealthCheck } from "../ops/health.js";
import type { LogRecord, Stream } from "./message-log.js";

/** A record read from the log and decoded: where it sits in its partition, and what it says. */
export interface Consumed<T> {
  partition: number;
  offset: string;
  value: T;
}

/** A record that did not decode, as the dead letter saying why and where it was read. */
export interface Malformed {
  offset: string;
  letter: LogRecord;
}

/** One partition's next records, as a handler receives them. */
export interface ConsumedBatch<T> {
  partition: number;
  /** The records that decoded, in offset order. */
  events: readonly Consumed<T>[];
  /** The records that did not: the handler sends their dead letters on, or skips them. */
  malformed: readonly Malformed[];
  /**
   * Keeps `event` from being committed after the handler answered, until the returned release is called: for work
   * the handler hands on and that finishes later (push's coalescing windows). An event held several times is
   * handled once every hold was released; calling a release again changes nothing.
   */
  hold(event: Consumed<T>): () => void;
  /** false once this consumer lost the partition or stopped running: long work stops early (see LogConsumer). */
  owned(): boolean;
  /** Lets other work run (other partitions, timers, the group's heartbeats) in the middle of long work. */
  yield(): Promise<void>;
}

/** Handles one batch; failures are values (a throw is a bug: the driver restarts the consumer from its last commit). */
export type BatchHandler<T> = (batch: ConsumedBatch<T>) => Promise<Result<void>>;

export interface ConsumeOptions<T> {
  /** Names the consumer in logs, metrics and dead letters: persister, push. */
  service: string;
  /** Every group reads the whole stream; the members of one group share its partitions. */
  group: string;
  stream: Stream;
  /** What a record must be; any other is handed to the handler as malformed. */
  schema: z.ZodType<T>;
  /**
   * Where a group that never committed starts: the stream's beginning, or its end (then partitions added later start
   * at their beginning, since all they hold is new).
   */
  startAt: "beginning" | "end";
  /** Partitions whose batches are handled at once. */
  concurrency: number;
  handle: BatchHandler<T>;
  /** Told the partitions this consumer owns after every rebalance: state kept per partition must forget the others. */
  assigned?(partitions: readonly number[]): void;
  /** On stop, once no batch is in hand: finishes the work still holding events, before the last commit. */
  drain?(): Promise<void>;
}

/** A running member of a consumer group. */
export interface Consuming {
  /** Fails once the consumer stopped for good. */
  health: HealthCheck;
  /** Resolves with the error when the driver gave up on the consumer: the process should exit and be restarted. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Reads a stream of the log as a member of a consumer group, and hands each partition's records to a handler.
 *
 * Contract:
 * - Order: a partition's records reach the handler in offset order, one batch at a time; up to `concurrency`
 *   partitions' batches are handled at once. A conversation's records share a partition (message-log.ts), so its
 *   events arrive in the order the conversation sent them.
 * - Commit after the work: offsets are committed only past handled records. A batch is handled once its handler
 *   answered ok, and its held events once every hold was released. After a crash, a rebalance or a restart, the
 *   group reads on from the oldest record not handled: every record is handled at least once, none is skipped.
 * - Handler errors: while the consumer owns the partition, a batch whose handler answered an error is handed again,
 *   whole, after a growing backoff, however long the outage lasts; nothing of it is committed meanwhile, the group
 *   keeps hearing from the consumer (its partitions stay with it), and each failure is logged and counted
 *   (`origin_batch_retries_total`). On stop, a failed batch is not handed again.
 * - Stopping early: a handler that finds `owned()` false may stop and answer at once. When a batch ends unhandled,
 *   so (its partition lost, or the consumer stopped) or after an error that is not retried, its events up to the last
 *   one the handler held count as handled (once released); the others are read again by the partition's next owner.
 * - Once: while the consumer keeps a partition, a record it handled or holds is not handed to it again, even when a
 *   rebalance makes the group re-read it.
 * - Malformed records come with their batch as dead letters; committing passes them like any other record.
 * - Stop: no new batch starts; the batches in hand finish; `drain` finishes the held work; what was handled is
 *   committed, and the consumer leaves its group.
 * - Crashes: when the driver gives up on the consumer (a crash it does not restart from), `health` fails and `failed`
 *   resolves, so that the process is restarted: nothing handled is lost, since only handled records are committed.
 */
export interface LogConsumer {
  /** Resolves once the consumer joined its group (or crashed: see `failed`). */
  consume<T>(options: ConsumeOptions<T>): Promise<Consuming>;
}
