/**
 * `npm run bench -- <scenario> [options]` (see cli.ts for the options, docs/benchmarks.md for the figures).
 * Progress goes to stderr, the result table (or `--json`) to stdout. The exit code is 1 when any message was
 * lost, duplicated, out of order, unacknowledged or refused, in any run on any target; 2 on a usage error.
 */
import { installSignalHandlers } from "./cleanup.js";
import { costTable } from "./cost/report.js";
import { runCost } from "./cost/run.js";
import { HELP, parseOptions, UsageError, type Options } from "./cli.js";
import type { MessagingResult } from "./load/result.js";
import { messagingReport, messagingTable } from "./report.js";
import { describeConnections, runConnections } from "./scenarios/connections.js";
import { groupWorkload, pairsWorkload, runMessaging } from "./scenarios/messaging.js";
import { runOrigin } from "./scenarios/origin.js";
import { describeStorage, runStorage } from "./scenarios/storage.js";
import { describeWake, runWake } from "./scenarios/wake.js";

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  switch (options.scenario) {
    case "pairs":
    case "group":
      return messaging(options);
    case "connections":
      return output(options, await runConnections(options), describeConnections);
    case "origin":
      return output(options, await runOrigin(options), (r) => r.summary);
    case "storage":
      return output(options, await runStorage(options), describeStorage);
    case "wake":
      return output(options, await runWake(options), describeWake);
    case "cost":
      return output(options, await runCost(options.costScenarios, options), costTable);
  }
}

async function messaging(o: Options): Promise<number> {
  const work = o.scenario === "pairs" ? pairsWorkload(o) : groupWorkload(o);
  const runs: MessagingResult[][] = [];
  for (let run = 1; run <= o.runs; run++) runs.push(await runMessaging(o, work, run));
  const shape =
    o.scenario === "pairs"
      ? `${o.pairs} direct conversations x 2 users`
      : `1 group of ${o.members} members, ${work.senders.length} senders`;
  const loop =
    work.mode === "open" ? `open loop at ${work.rate} msg/s` : `closed loop, window ${work.window} per sender`;
  const workload = `${shape}, ${loop}, ${work.durationS} s (${work.warmupS} s warm-up), ${work.bodyBytes} B bodies`;
  return output(o, messagingReport(o, workload, runs), messagingTable);
}

function output<T extends { ok: boolean }>(o: Options, report: T, table: (r: T) => string): number {
  process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${table(report)}\n`);
  return report.ok ? 0 : 1;
}

installSignalHandlers();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      (error.message === HELP ? process.stdout : process.stderr).write(`${error.message}\n`);
      process.exit(error.message === HELP ? 0 : 2);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
