/**
 * `npm run bench -- cost`: each scenario on a fresh edge with the meter on; what setup cost is not counted. The
 * figures are the runtime's own counts (deterministic for a scenario), not timings.
 */
import { execFileSync } from "node:child_process";
import { Progress } from "../progress.js";
import { per, type EntryUnits, type Units } from "./ledger.js";
import { mixOf, type MixCost } from "./mix.js";
import { PRICES } from "./prices.js";
import { SCENARIOS, type CostOptions, type CostScenarioName, type Workload } from "./scenarios.js";
import { startStandInOrigin } from "./stand-in-origin.js";
import { CostWorld } from "./world.js";

export interface ScenarioCost {
  describe: string;
  perMessage: Units;
  perDeviceHour: Units;
  messages: number;
  deviceHours: number;
  peakObjectRps: number;
  lost: number;
  duplicated: number;
  /** Per message, by `class entry`: for scenarios that ask for it (what each operation costs). */
  byEntry?: Record<string, EntryUnits>;
}

export interface CostReport {
  ok: boolean;
  scenarios: Partial<Record<CostScenarioName, ScenarioCost>>;
  prices: typeof PRICES;
  commit: string;
  /** The design's scale in dollars, when every scenario the mix needs was run. */
  mix: MixCost | null;
}

export async function runCost(names: readonly CostScenarioName[], o: CostOptions): Promise<CostReport> {
  const report: CostReport = { ok: true, scenarios: {}, prices: PRICES, commit: commit(), mix: null };
  for (const name of names) {
    const result = await runOne(name, o);
    report.scenarios[name] = result;
    if (result.lost > 0 || result.duplicated > 0) report.ok = false;
  }
  report.mix = mixOf(report);
  return report;
}

async function runOne(name: CostScenarioName, o: CostOptions): Promise<ScenarioCost> {
  const progress = new Progress(`cost ${name}`);
  progress.note("setting up");
  const scenario = SCENARIOS[name];
  const origin = scenario.needsOrigin ? await startStandInOrigin() : null;
  const world = await CostWorld.start(origin ? { ORIGIN_URL: origin.url, ORIGIN_SECRET: "stand-in" } : {});
  try {
    const work = await scenario.run(world, o);
    progress.note(`${work.messages} messages; settling ${o.settleS} s`);
    await world.settle(o.settleS * 1000);
    const units = world.ledger.units();
    const deviceHours = world.deviceHours();
    const { lost, duplicated } = audit(world, work);
    return {
      describe: work.describe,
      messages: work.messages,
      deviceHours: Number(deviceHours.toPrecision(4)),
      perMessage: per(units, work.messages),
      perDeviceHour: per(units, deviceHours),
      peakObjectRps: world.ledger.peakObjectRps(),
      lost,
      duplicated,
      ...(work.breakdown ? { byEntry: perEntry(world.ledger.byEntry(), work.messages) } : {}),
    };
  } finally {
    progress.done();
    await world.stop();
    await origin?.stop();
  }
}

function perEntry(entries: Record<string, EntryUnits>, n: number): Record<string, EntryUnits> {
  return Object.fromEntries(Object.entries(entries).map(([name, units]) => [name, per(units, n)]));
}

/** Every message on every receiving device exactly once (the sending device has its ack instead). */
function audit(world: CostWorld, work: Workload): { lost: number; duplicated: number } {
  let lost = 0;
  let duplicated = 0;
  for (const device of work.receivers) {
    for (const seqs of device.seen.values()) duplicated += seqs.length - new Set(seqs).size;
    for (const s of world.sent) if (s.device !== device && !device.has(s.conversationId, s.seq)) lost++;
  }
  return { lost, duplicated };
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
