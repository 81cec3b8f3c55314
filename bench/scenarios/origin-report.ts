/** The `origin` report: each run's figures, their medians, the pipeline's share of the slower ceiling, the table. */
import type { Options } from "../cli.js";
import { round3 } from "../load/result.js";
import { machine, median } from "../report.js";
import type { OriginRun } from "./origin.js";

/** Pipeline persisted events/s over the slower ceiling's events/s, in one run (null without ceilings). */
function ratioOf(r: OriginRun): number | null {
  if (!r.kafka || !r.cassandra) return null;
  return round3(r.pipeline.persistedPerSec / Math.max(1, Math.min(r.kafka.perSec, r.cassandra.perSec)));
}

/** A row of the table: its key in `--json`'s `median`, its label, and how to read it from one run. */
const ROWS: [string, string, (r: OriginRun) => number | null][] = [
  ["persistedPerSec", "pipeline persisted events/s", (r) => r.pipeline.persistedPerSec],
  ["acceptedPerSec", "  accepted by ingest /s", (r) => r.pipeline.accepted.perSec],
  ["ingestP50Ms", "  ingest answer p50 ms", (r) => r.pipeline.accepted.latencyMs.p50],
  ["ingestP99Ms", "  ingest answer p99 ms", (r) => r.pipeline.accepted.latencyMs.p99],
  ["drainS", "  drain after posting s", (r) => r.pipeline.drainS],
  ["originCores", "  origin process cores", (r) => r.pipeline.originCores],
  ["pipelineBenchCores", "  load generator cores", (r) => r.pipeline.accepted.benchCores],
  ["pipelineOthersCores", "  other processes cores", (r) => r.pipeline.accepted.othersCores],
  ["kafkaPerSec", "raw kafkajs produce /s", (r) => r.kafka?.perSec ?? null],
  ["kafkaP99Ms", "  produce batch p99 ms", (r) => r.kafka?.latencyMs.p99 ?? null],
  ["kafkaBenchCores", "  bench cores", (r) => r.kafka?.benchCores ?? null],
  ["kafkaOthersCores", "  other processes cores", (r) => r.kafka?.othersCores ?? null],
  ["cassandraPerSec", "raw cassandra insert /s", (r) => r.cassandra?.perSec ?? null],
  ["cassandraP99Ms", "  insert batch p99 ms", (r) => r.cassandra?.latencyMs.p99 ?? null],
  ["cassandraBenchCores", "  bench cores", (r) => r.cassandra?.benchCores ?? null],
  ["cassandraOthersCores", "  other processes cores", (r) => r.cassandra?.othersCores ?? null],
  ["ratio", "pipeline / slower ceiling", ratioOf],
];

export interface OriginCorrectness {
  /** Accepted events missing from Cassandra after the drain, all runs. */
  lost: number;
  /** Records logged twice in runs without a refused (hence retried) batch, all runs. */
  duplicated: number;
  refusedBatches: number;
  /** Ceiling runs whose backend held a different count than was acknowledged. */
  ceilingMismatches: number;
}

export interface OriginReport {
  scenario: "origin";
  workload: string;
  machine: ReturnType<typeof machine>;
  runs: (OriginRun & { ratio: number | null })[];
  /** Per row key, the median over runs (the ratio: the median of each run's ratio). */
  median: Record<string, number | null>;
  /** The target: the pipeline persists at least 70% of the slower ceiling (median). */
  ratio: number | null;
  correctness: OriginCorrectness;
  ok: boolean;
  summary: string;
}

export function originReport(o: Options, runs: OriginRun[]): OriginReport {
  const medianRow = (read: (r: OriginRun) => number | null): number | null => {
    const present = runs.map(read).filter((v): v is number => v !== null);
    return present.length === 0 ? null : median(present);
  };
  const correctness: OriginCorrectness = {
    lost: sum(runs, (r) => r.pipeline.missing),
    duplicated: sum(runs, (r) => (r.pipeline.accepted.failedBatches === 0 ? Math.max(0, r.pipeline.logDuplicates) : 0)),
    refusedBatches: sum(runs, (r) => r.pipeline.accepted.failedBatches),
    ceilingMismatches: runs.filter((r) => [r.kafka, r.cassandra].some((c) => c && c.stored !== c.events)).length,
  };
  const report = {
    scenario: "origin" as const,
    workload: `${o.pairs} streams x 1 batch of ${o.batch} message events in flight, ${o.size} B bodies, ${o.duration} s per target${o.warmup > 0 ? ` after an unmeasured ${o.warmup} s warm-up run` : ""}; ${o.originProcesses === 1 ? "ingest and persister in one process" : "ingest and persister in one process each"}`,
    machine: machine(),
    runs: runs.map((r) => ({ ...r, ratio: ratioOf(r) })),
    median: Object.fromEntries(ROWS.map(([key, , read]) => [key, medianRow(read)])),
    ratio: medianRow(ratioOf),
    correctness,
    ok: correctness.lost === 0 && correctness.duplicated === 0 && correctness.ceilingMismatches === 0,
  };
  return { ...report, summary: originTable(report) };
}

function originTable(r: Omit<OriginReport, "summary">): string {
  // An even number of runs has a mean of two for its median: no float noise in the table.
  const cell = (x: number | null): string => (x === null ? "-" : String(round3(x)));
  const runs = r.runs.length;
  const lines = [
    `origin: ${r.workload}${runs > 1 ? ` (medians of ${runs} runs)` : ""}`,
    "ingest -> Kafka -> persister -> Cassandra, and the raw ceilings in the same run",
    "",
  ];
  lines.push(row("", ...r.runs.map((_, i) => `run ${i + 1}`), ...(runs > 1 ? ["median"] : [])));
  for (const [key, label, read] of ROWS) {
    lines.push(row(label, ...r.runs.map((run) => cell(read(run))), ...(runs > 1 ? [cell(r.median[key] ?? null)] : [])));
  }
  const c = r.correctness;
  lines.push(
    "",
    `correctness (all runs): lost ${c.lost}, duplicated ${c.duplicated}, refused batches ${c.refusedBatches} (retried), ceiling count mismatches ${c.ceilingMismatches} -> ${r.ok ? "OK" : "FAILED"}`,
  );
  if (r.ratio !== null)
    lines.push(
      `target: pipeline >= 70% of the slower ceiling -> ${Math.round(r.ratio * 100)}% (${r.ratio >= 0.7 ? "met" : "not met"})`,
    );
  return lines.join("\n");
}

function row(...cells: string[]): string {
  return (
    cells[0]!.padEnd(28) +
    cells
      .slice(1)
      .map((c) => c.padStart(11))
      .join("")
  );
}

function sum(runs: OriginRun[], read: (r: OriginRun) => number): number {
  return runs.reduce((n, r) => n + read(r), 0);
}
