/**
 * The load shape the `origin` scenario offers its pipeline and both raw ceilings, so the three are comparable:
 * `--pairs` streams (one stream = one conversation, seq 1, 2, 3 …), each with one batch of `--batch` message
 * events of `--size` B bodies in flight, as the edge's outboxes post them, for `--duration` seconds.
 */
import type { MessageEvent } from "../../protocol/events.js";
import type { Options } from "../cli.js";
import { Meters } from "../load/meters.js";
import { percentiles, round3, type Percentiles } from "../load/result.js";
import { newHistogram } from "../load/tracker.js";
import type { Progress } from "../progress.js";

export interface Stream {
  id: string;
  /** The last seq sent and acknowledged. */
  seq: number;
}

export interface LoopResult {
  /** Events acknowledged by the target (a failed batch is retried with the same seqs and counted once). */
  events: number;
  seconds: number;
  perSec: number;
  failedBatches: number;
  /** Per batch: from the send to the target's answer. */
  latencyMs: Percentiles;
  /** Cores used over the loop by this process (load generator, and the origin services when they run here)… */
  benchCores: number;
  /** … and by every other process: Kafka, Cassandra, and whatever else shares the machine. */
  othersCores: number;
}

export function newStreams(label: string, count: number): Stream[] {
  const tag = Math.random().toString(36).slice(2, 8);
  return Array.from({ length: count }, (_, i) => ({ id: `${label}-${tag}-c${i}`, seq: 0 }));
}

export function messageEvent(conversationId: string, seq: number, size: number): MessageEvent {
  return {
    kind: "message",
    conversationId,
    seq,
    senderId: "bench",
    clientMsgId: `m${seq}`,
    body: "x".repeat(size),
    sentAt: Date.now(),
  };
}

/**
 * Runs every stream until `--duration` is over. `send` resolves true once the target acknowledged the whole batch;
 * false (or a throw) counts a failed batch, which the stream sends again, as the edge would.
 */
export async function closedLoop(
  o: Options,
  streams: Stream[],
  progress: Progress,
  send: (events: MessageEvent[]) => Promise<boolean>,
): Promise<LoopResult> {
  const latency = newHistogram();
  const meters = new Meters(null);
  let failedBatches = 0;
  const started = performance.now();
  const endAt = started + o.duration * 1000;
  const acked = () => streams.reduce((n, s) => n + s.seq, 0);
  const ticker = setInterval(
    () => progress.note(`${acked()} events acknowledged, batch p99 ${percentiles(latency).p99} ms`),
    1000,
  );
  try {
    await Promise.all(
      streams.map(async (stream) => {
        while (performance.now() < endAt) {
          const events = Array.from({ length: o.batch }, (_, i) => messageEvent(stream.id, stream.seq + 1 + i, o.size));
          const t0 = performance.now();
          const ok = await send(events).catch(() => false);
          latency.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          if (ok) stream.seq += o.batch;
          else failedBatches++;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  const events = acked();
  const cpu = meters.read();
  return {
    events,
    seconds,
    perSec: Math.round(events / seconds),
    failedBatches,
    latencyMs: percentiles(latency),
    benchCores: round3(cpu.benchLoad),
    othersCores: round3(cpu.othersLoad),
  };
}
