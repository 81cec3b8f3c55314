/** Latency percentiles of legitimate traffic and workerd's resident memory, for the abuse scenario. */
import { cpuMs, rssKiB } from "../proc.js";
import type { Device } from "./device.js";
import type { Sent } from "./traffic.js";

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

export interface PhaseLatency {
  /** Send → ack at the sending device. */
  ack: Percentiles;
  /** Send → the message handed to the app on every other device of every member. */
  delivery: Percentiles;
}

/** Latencies of the sends made in [from, to). */
export function phaseLatency(sends: Iterable<Sent>, devices: Device[], from: number, to: number): PhaseLatency {
  const inPhase = [...sends].filter((s) => s.at >= from && s.at < to);
  const byMessage = new Map(inPhase.filter((s) => s.seq !== undefined).map((s) => [`${s.conversationId}#${s.seq}`, s]));
  const delivery: number[] = [];
  for (const device of devices) {
    for (const r of device.received) {
      const sent = byMessage.get(`${r.conversationId}#${r.seq}`);
      if (sent && sent.deviceKey !== device.key) delivery.push(r.at - sent.at);
    }
  }
  return {
    ack: percentiles(inPhase.filter((s) => s.ackAt !== undefined).map((s) => s.ackAt! - s.at)),
    delivery: percentiles(delivery),
  };
}

/** Samples a process's VmRSS; `mark()` starts a new window whose peak is reported separately. */
export class RssSampler {
  private readonly samples: { at: number; kib: number }[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pid: () => number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** Highest sample (MiB) in [from, to). */
  peakMiB(from: number, to = Infinity): number {
    const kib = this.samples.filter((s) => s.at >= from && s.at < to).map((s) => s.kib);
    return Math.round(Math.max(0, ...kib) / 1024);
  }

  /** Latest sample at or before `at` (MiB). */
  atMiB(at: number): number {
    const before = this.samples.filter((s) => s.at <= at);
    return Math.round((before.at(-1)?.kib ?? 0) / 1024);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    try {
      const kib = rssKiB(this.pid());
      if (kib !== null) this.samples.push({ at: Date.now(), kib });
    } catch {
      // workerd is restarting: no sample this time.
    }
  }
}

export interface CpuMark {
  at: number;
  workerdMs: number;
  selfMs: number;
}

/** CPU time so far of workerd and of this process (which drives both the legitimate clients and the flood). */
export function cpuMark(workerdPid: number): CpuMark {
  return { at: Date.now(), workerdMs: cpuMs(workerdPid), selfMs: cpuMs(process.pid) };
}

/** Percent of one core each used between two marks: tells a saturated edge from a saturated load generator. */
export function cpuShare(from: CpuMark, to: CpuMark): { workerd: number; self: number } {
  const wall = Math.max(1, to.at - from.at);
  return {
    workerd: Math.round(((to.workerdMs - from.workerdMs) / wall) * 100),
    self: Math.round(((to.selfMs - from.selfMs) / wall) * 100),
  };
}
