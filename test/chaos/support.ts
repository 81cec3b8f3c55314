/**
 * Bounded chaos runs for `npm test`: the same scenarios as `npm run chaos` (bench/chaos/), with the same
 * cast (20 direct conversations and 3 groups, 2–3 devices per user) but shorter phases, and retry timers
 * shortened so recovery is measured in seconds, not in the production backoff.
 */
import { expect } from "vitest";
import type { AbuseResult } from "../../bench/chaos/abuse-run.js";
import { DEFAULTS, type Options, type ScenarioName } from "../../bench/chaos/cli.js";
import { abuseTable, scenarioTable } from "../../bench/chaos/report.js";
import type { ScenarioResult } from "../../bench/chaos/run.js";

export function chaosOptions(scenario: ScenarioName, overrides: Partial<Options> = {}): Options {
  return {
    ...DEFAULTS,
    scenarios: [scenario],
    seed: Date.now() % 1_000_000,
    rate: 30,
    beforeS: 2,
    afterS: 1,
    outageS: 5,
    dropsForS: 5,
    recoverTimeoutS: 90,
    edgeEnv: { FANOUT_RETRY_MS: "300", OUTBOX_RETRY_MS: "200" },
    ...overrides,
  };
}

/** Progress lines of a run, shown only when it fails. */
export function progress(): { say: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { say: (line) => lines.push(line), lines };
}

/** Asserts the audit found nothing, with the run's progress and summary (and seed, to repeat it) as the message. */
export function expectHeld(result: ScenarioResult | AbuseResult, lines: string[]): void {
  const table =
    result.scenario === "abuse" ? abuseTable(result as AbuseResult) : scenarioTable(result as ScenarioResult);
  const message = `${lines.join("\n")}\n${table}`;
  expect(result.violations, message).toEqual([]);
  expect(result.audit.acked, message).toBeGreaterThan(0);
  expect(result.audit.deliveredOnce, message).toBe(result.audit.expectedDeliveries);
  const { edit = 0, react = 0, reply = 0 } = result.audit.kinds;
  expect(edit + react + reply, message).toBeGreaterThan(0); // the traffic exercised actions, and their final state held
  expect(result.audit.attachments.messages, message).toBeGreaterThan(0); // and files, their references held too
}
