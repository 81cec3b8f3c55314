/**
 * `storage`: what a Durable Object event and its write cost local workerd, measured as the runtime's CPU per
 * call for each probe kind (bench/storage/worker.ts). The edge's cost per message is mostly a count of
 * these: events, committing events, statements (docs/benchmarks.md, "What limits the edge").
 */
import type { Options } from "../cli.js";
import { cpuMs } from "../proc.js";
import { startProbe } from "../storage/start.js";
import { KINDS } from "../storage/kinds.js";

const CALLS = 4_000;

export interface StorageReport {
  scenario: "storage";
  calls: number;
  /** Runtime CPU per call in µs, medians over `--runs`, by probe kind. */
  cpuUsPerCall: Record<string, number>;
  ok: boolean;
}

export async function runStorage(o: Options): Promise<StorageReport> {
  const probe = await startProbe();
  const samples = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  try {
    for (let run = 1; run <= o.runs; run++) {
      for (const kind of KINDS) {
        const before = cpuMs(probe.pid);
        const answer = await fetch(`${probe.url}/?kind=${kind}&calls=${CALLS}&run=${kind}-${run}`);
        if (!answer.ok) throw new Error(`probe ${kind}: ${answer.status} ${await answer.text()}`);
        samples.get(kind)!.push(((cpuMs(probe.pid) - before) * 1000) / CALLS);
        process.stderr.write(`[storage #${run}] ${kind}\n`);
      }
    }
  } finally {
    await probe.stop();
  }
  const cpuUsPerCall = Object.fromEntries([...samples].map(([kind, values]) => [kind, Math.round(median(values))]));
  return { scenario: "storage", calls: CALLS, cpuUsPerCall, ok: true };
}

export function describeStorage(report: StorageReport): string {
  const base = report.cpuUsPerCall.nothing ?? 0;
  const lines = Object.entries(report.cpuUsPerCall).map(
    ([kind, us]) =>
      `${kind.padEnd(16)}${String(us).padStart(8)} µs${kind === "nothing" ? "" : `   (+${us - base} µs over an event that writes nothing)`}`,
  );
  return [
    `storage: workerd CPU per call to a Durable Object (the Worker's fan-out included), ${report.calls} calls per kind`,
    "",
    ...lines,
  ].join("\n");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
