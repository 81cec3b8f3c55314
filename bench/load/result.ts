/** The figures of one messaging run against one target, as the report and `--json` show them. */
import type { Histogram } from "hdr-histogram-js";
import type { CpuReading } from "./meters.js";
import type { Correctness, Tracker } from "./tracker.js";

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface MessagingResult {
  target: "edge" | "ceiling";
  sent: number;
  acked: number;
  /** Messages that reached every member device inside the measurement window, per second. */
  msgsPerSec: number;
  /** Message frames received by devices inside the window, per second. */
  deliveriesPerSec: number;
  /** Send → each other member device's message frame, ms (messages due inside the window). */
  latencyMs: Percentiles;
  /** Send → the sender's ack (the ceiling: its own relayed copy), ms. */
  ackLatencyMs: Percentiles;
  /** workerd CPU per fully delivered message, ms (null when workerd's pid is unknown). */
  workerdCpuMsPerMsg: number | null;
  /** Fractions of one core over the window. */
  workerdLoad: number | null;
  benchLoad: number;
  /** Cores used by every other process on the machine during the window (noise). */
  othersLoad: number;
  drainMs: number;
  correctness: Correctness;
}

export function percentiles(h: Histogram): Percentiles {
  const ms = (us: number): number => Math.round(us / 10) / 100;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

export function summarize(
  target: "edge" | "ceiling",
  tracker: Tracker,
  cpu: CpuReading,
  drainMs: number,
): MessagingResult {
  const windowS = (tracker.windowEnd - tracker.windowStart) / 1000;
  const correctness = tracker.finish();
  return {
    target,
    sent: tracker.sent,
    acked: tracker.acked,
    msgsPerSec: Math.round(tracker.windowCompleted / windowS),
    deliveriesPerSec: Math.round(tracker.windowDeliveries / windowS),
    latencyMs: percentiles(tracker.latency),
    ackLatencyMs: percentiles(tracker.ackLatency),
    workerdCpuMsPerMsg:
      cpu.workerdMs === null || tracker.windowCompleted === 0 ? null : round3(cpu.workerdMs / tracker.windowCompleted),
    workerdLoad: cpu.workerdLoad === null ? null : round3(cpu.workerdLoad),
    benchLoad: round3(cpu.benchLoad),
    othersLoad: round3(cpu.othersLoad),
    drainMs: Math.round(drainMs),
    correctness,
  };
}

export function faults(c: Correctness): number {
  return c.lost + c.duplicated + c.outOfOrder + c.unacked + c.refused;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
