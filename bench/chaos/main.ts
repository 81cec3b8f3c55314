/**
 * `npm run chaos -- [scenario…] [options]` (options in cli.ts, results in docs/reliability.md). Progress goes to
 * stderr, the summary (or `--json`) to stdout. Exit code: 0 when every scenario held, 1 when any message was
 * lost, duplicated, reordered or never acknowledged (or abuse did harm), 2 on a usage error, 3 when a scenario
 * could not run (e.g. Kafka or Cassandra unreachable).
 */
import { runAbuse, type AbuseResult } from "./abuse-run.js";
import { HELP, parseOptions, UsageError, type Options } from "./cli.js";
import { abuseTable, scenarioTable } from "./report.js";
import { runScenario, type ScenarioResult } from "./run.js";

type Result = ScenarioResult | AbuseResult;

const say = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(argv: string[]): Promise<number> {
  const o: Options = parseOptions(argv);
  say(`chaos${o.cluster ? " --cluster" : ""}: ${o.scenarios.join(", ")} (seed ${o.seed})`);
  const results: Result[] = [];
  let broken = false;
  for (const name of o.scenarios) {
    try {
      results.push(name === "abuse" ? await runAbuse(o, say) : await runScenario(name, o, say));
    } catch (error) {
      broken = true;
      say(`${name}: could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  const text = results
    .map((r) => (r.scenario === "abuse" ? abuseTable(r as AbuseResult) : scenarioTable(r as ScenarioResult)))
    .join("\n\n");
  process.stdout.write(o.json ? `${JSON.stringify(results, null, 2)}\n` : `${text}\n`);
  if (results.some((r) => !r.ok)) return 1;
  return broken ? 3 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.message === HELP ? 0 : 2);
    }
    process.stderr.write(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(3);
  },
);
