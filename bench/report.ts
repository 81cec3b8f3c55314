/** Medians over runs, ratios to the ceiling, the final table and the `--json` document. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { ROOT } from "../test/support/bundle.js";
import type { Options } from "./cli.js";
import { faults, type MessagingResult } from "./load/result.js";
import type { Correctness } from "./load/tracker.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The machine and the code measured (the worker is built from the working tree, which may differ from HEAD). */
export function machine() {
  const git = (args: string[]): string => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  };
  const dirty = git(["status", "--porcelain", "--", "workers", "durable-objects", "protocol"]) !== "";
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "?",
    node: process.version,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    commit: `${git(["rev-parse", "--short", "HEAD"])}${dirty ? "+uncommitted edge changes" : ""}`,
  };
}

/** A row of the messaging table: its label and how to read it from one result. */
const ROWS: [string, (r: MessagingResult) => number | null][] = [
  ["delivered msgs/s", (r) => r.msgsPerSec],
  ["deliveries/s (frames)", (r) => r.deliveriesPerSec],
  ["latency p50 ms", (r) => r.latencyMs.p50],
  ["latency p95 ms", (r) => r.latencyMs.p95],
  ["latency p99 ms", (r) => r.latencyMs.p99],
  ["latency max ms", (r) => r.latencyMs.max],
  ["ack p99 ms", (r) => r.ackLatencyMs.p99],
  ["workerd CPU ms/msg", (r) => r.workerdCpuMsPerMsg],
  ["workerd CPU (cores)", (r) => r.workerdLoad],
  ["bench CPU (cores)", (r) => r.benchLoad],
  ["other processes (cores)", (r) => r.othersLoad],
  ["drain ms", (r) => r.drainMs],
];

type Summary = Record<string, number | null>;

export interface MessagingReport {
  scenario: string;
  workload: string;
  machine: ReturnType<typeof machine>;
  runs: MessagingResult[][];
  median: { edge: Summary; ceiling: Summary | null };
  /** edge / ceiling of the medians: throughput (want ≥ 0.35) and p99 (want ≤ 2). */
  ratios: { msgsPerSec: number; latencyP99: number } | null;
  correctness: Correctness;
  ok: boolean;
}

export function messagingReport(o: Options, workload: string, runs: MessagingResult[][]): MessagingReport {
  const of = (target: string): Summary | null => {
    const results = runs
      .map((r) => r.find((x) => x.target === target))
      .filter((x): x is MessagingResult => x !== undefined);
    if (results.length === 0) return null;
    return Object.fromEntries(ROWS.map(([label, read]) => [label, medianOrNull(results.map(read))]));
  };
  const edge = of("edge")!;
  const ceiling = of("ceiling");
  const ratio = (label: string): number => Math.round(((edge[label] ?? 0) / (ceiling?.[label] || 1)) * 1000) / 1000;
  const correctness = sumCorrectness(runs.flat().map((r) => r.correctness));
  return {
    scenario: o.scenario,
    workload,
    machine: machine(),
    runs,
    median: { edge, ceiling },
    ratios: ceiling ? { msgsPerSec: ratio("delivered msgs/s"), latencyP99: ratio("latency p99 ms") } : null,
    correctness,
    ok: faults(correctness) === 0,
  };
}

export function messagingTable(report: MessagingReport): string {
  const { edge, ceiling } = report.median;
  const cell = (x: number | null | undefined): string =>
    x === null || x === undefined ? "-" : String(Math.round(x * 1000) / 1000);
  const lines = [
    `${report.scenario}: ${report.workload}${report.runs.length > 1 ? ` (medians of ${report.runs.length} runs)` : ""}`,
    "",
  ];
  lines.push(row("", "edge", "ceiling", "edge/ceiling"));
  for (const [label] of ROWS) {
    const ratio = ceiling && edge[label] !== null && ceiling[label] ? cell(edge[label]! / ceiling[label]!) : "-";
    lines.push(row(label, cell(edge[label]), cell(ceiling?.[label]), ratio));
  }
  const c = report.correctness;
  lines.push(
    "",
    `correctness (all runs, both targets): lost ${c.lost}, duplicated ${c.duplicated}, out of order ${c.outOfOrder}, unacked ${c.unacked}, refused ${c.refused} -> ${report.ok ? "OK" : "FAILED"}`,
  );
  return lines.join("\n");
}

function row(...cells: string[]): string {
  return (
    cells[0]!.padEnd(24) +
    cells
      .slice(1)
      .map((c) => c.padStart(14))
      .join("")
  );
}

function medianOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

function sumCorrectness(all: Correctness[]): Correctness {
  const total: Correctness = { lost: 0, duplicated: 0, outOfOrder: 0, unacked: 0, refused: 0 };
  for (const c of all) for (const key of Object.keys(total) as (keyof Correctness)[]) total[key] += c[key];
  return total;
}
