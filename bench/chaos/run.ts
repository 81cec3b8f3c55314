/**
 * One scenario from start to verdict: a fresh world, the cast, steady traffic, the fault, the time until
 * everything sent before the repair is through (recovery), more traffic, the drain, every device resumed
 * from its last positions, then the audit. Used by `npm run chaos` and by test/chaos/*.test.ts alike.
 */
import { audit, violations, type Audit } from "./audit.js";
import { createCast, type Cast } from "./cast.js";
import { ORIGIN_SCENARIOS, type Options, type ScenarioName } from "./cli.js";
import { requireCluster } from "./cluster.js";
import { clusterFaultOf } from "./cluster-faults.js";
import { allHistory, allStored, waitThrough } from "./evidence.js";
import { faultOf, type Fault, type FaultContext, type FaultOutcome } from "./faults.js";
import { Random } from "./random.js";
import type { OriginPipeline } from "./origin.js";
import { PipelineWatch, type PipelineFigures } from "./pipeline-watch.js";
import { Traffic, trafficOptions, type Sent } from "./traffic.js";
import { World } from "./world.js";

export interface ScenarioResult {
  scenario: ScenarioName;
  ok: boolean;
  seed: number;
  withOrigin: boolean;
  /** Fault → broken part serving again, ms (the longest, when injected several times). */
  outageMs: number;
  /**
   * Broken part back (after the last fault) → everything sent until then acknowledged and in every member
   * device (`devicesMs`), and also in Cassandra with an origin (`recoverMs`); null = not within the timeout.
   */
  devicesMs: number | null;
  recoverMs: number | null;
  /** Traffic stopped → everything through, ms; null = never. */
  drainMs: number | null;
  details: Record<string, number | string>;
  /** Cluster runs: the edge's outbox, ingest and persister stalls, consumer lag. */
  pipeline?: PipelineFigures;
  audit: Audit;
  violations: string[];
}

export type Say = (line: string) => void;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const RESUME_TIMEOUT_MS = 30_000;

export function tagOf(name: string, seed: number): string {
  return `${name
    .split("-")
    .map((w) => w[0])
    .join("")}${seed.toString(36)}${Date.now().toString(36).slice(-5)}`;
}

export async function startCast(world: World, o: Options, tag: string): Promise<Cast> {
  return createCast(world.url, {
    tag,
    users: o.users,
    devices: o.devices,
    directs: o.directs,
    groups: o.groups,
    groupSize: o.groupSize,
  });
}

export async function runScenario(name: Exclude<ScenarioName, "abuse">, o: Options, say: Say): Promise<ScenarioResult> {
  const cluster = o.cluster ? await requireCluster() : null;
  const withOrigin = cluster !== null || ORIGIN_SCENARIOS.has(name) || o.origin;
  // Six partitions (the production default) on three brokers: each leads two, so a killed leader takes some of
  // every group's partitions and leaves the others.
  const originEnv = cluster ? { ...cluster.CLUSTER_ENV, KAFKA_PARTITIONS: "6" } : {};
  const world = await World.start({ name, origin: withOrigin, storage: o.storage, edgeEnv: o.edgeEnv, originEnv });
  const random = new Random(o.seed);
  const fault = cluster ? clusterFaultOf(name) : faultOf(name);
  let traffic: Traffic | null = null;
  let ctx: FaultContext | null = null;
  let watch: PipelineWatch | null = null;
  try {
    const tag = tagOf(name, o.seed);
    const cast = await startCast(world, o, tag);
    traffic = new Traffic(cast, world.url, random, trafficOptions(o, tag, fault.afterSend));
    await traffic.connect();
    say(
      `${name}: ${cast.users.length} users, ${traffic.devices.length} devices (${traffic.devices.length - traffic.online.length} offline until the audit), ${cast.conversations.length} conversations, ${o.rate} msg/s${withOrigin ? ", origin behind the edge" : ""}`,
    );
    traffic.start();
    watch = cluster && world.origin ? await PipelineWatch.start(traffic, world.origin) : null;
    ctx = {
      world,
      traffic,
      random,
      outageS: o.outageS,
      dropsForS: o.dropsForS,
      downS: o.downS,
      onFault: () => watch?.faultInjected(),
      say: (line) => say(`${name}: ${line}`),
    };
    const { outageMs, details, violations: faultViolations = [] } = await injectAll(fault, ctx, o);
    const {
      devicesMs,
      allMs: recoverMs,
      lastStore,
    } = await waitThrough(traffic, [...traffic.sends.values()], world.origin, o.recoverTimeoutS * 1000);
    say(
      `${name}: ${recoverMs === null ? `NOT recovered within ${o.recoverTimeoutS} s (${lastStore})` : `recovered in ${recoverMs} ms`} (devices caught up in ${devicesMs ?? "-"} ms)`,
    );
    await sleep(o.afterS * 1000);
    // After a failed recovery the drain will fail too: no need to wait that long twice.
    const drainMs = await drain(traffic, world, recoverMs === null ? 10 : o.recoverTimeoutS);
    const pipeline = await watch?.stop();
    watch = null;
    const result = await verdict(name, o, world, traffic, { outageMs, devicesMs, recoverMs, drainMs, details });
    if (pipeline) result.pipeline = pipeline;
    result.violations.unshift(...faultViolations);
    result.ok &&= faultViolations.length === 0;
    say(`${name}: ${result.ok ? "OK" : `FAILED: ${result.violations.join(", ")}`}`);
    if (!result.ok && world.origin) say(`${name}: the persister's last warnings:\n${warnings(world.origin)}`);
    return result;
  } finally {
    await watch?.stop();
    traffic?.close();
    if (ctx) await fault.restore?.(ctx);
    await world.stop();
  }
}

/** The persister child's last warnings and errors (pino JSON lines), for a failed run's report. */
function warnings(origin: OriginPipeline): string {
  const lines = origin.persisterOutput().split("\n");
  return (
    lines
      .filter((l) => /"level":(40|50|60)/.test(l))
      .slice(-20)
      .join("\n") || "(none)"
  );
}

/** Injects the fault `--faults` times, `--before` seconds apart; the longest outage, the last details. */
async function injectAll(fault: Fault, ctx: FaultContext, o: Options): Promise<FaultOutcome> {
  const total: FaultOutcome = { outageMs: 0, details: {}, violations: [] };
  for (let i = 0; i < Math.max(1, o.faults); i++) {
    await sleep(o.beforeS * 1000);
    const outcome = await fault.inject(ctx);
    total.outageMs = Math.max(total.outageMs, outcome.outageMs);
    Object.assign(total.details, outcome.details);
    total.violations!.push(...(outcome.violations ?? []));
  }
  return total;
}

/** Stops sending, then waits for every send to be acknowledged and to be through. */
export async function drain(traffic: Traffic, world: World, timeoutS: number): Promise<number | null> {
  traffic.stop();
  const started = Date.now();
  await traffic.settled(timeoutS * 1000);
  const through = await waitThrough(
    traffic,
    [...traffic.sends.values()],
    world.origin,
    Math.max(1_000, timeoutS * 1000 - (Date.now() - started)),
  );
  return through.allMs === null ? null : Date.now() - started;
}

type Timings = Pick<ScenarioResult, "outageMs" | "devicesMs" | "recoverMs" | "drainMs" | "details">;

/** Resumes every device from its last positions, reads the edge's history and Cassandra, audits. */
export async function verdict(
  name: ScenarioName,
  o: Options,
  world: World,
  traffic: Traffic,
  timings: Timings,
): Promise<ScenarioResult> {
  const newest = newestAcked([...traffic.sends.values()]);
  const resumed = traffic.devices.map((d) => d.resume(expectedFor(traffic.cast, d.userId, newest), RESUME_TIMEOUT_MS));
  const notResumed = (await Promise.allSettled(resumed)).filter((r) => r.status === "rejected").length;
  const history = await allHistory(world.url, traffic.cast);
  const stored = world.origin ? await allStored(world.origin, history) : undefined;
  const result = audit({
    cast: traffic.cast,
    sends: [...traffic.sends.values()],
    devices: traffic.devices,
    history,
    stored,
    files: traffic.files.counts,
  });
  const found = violations(result);
  if (traffic.files.counts.failures.length > 0)
    found.push(`uploads failed: ${traffic.files.counts.failures.join("; ")}`);
  if (world.origin && result.stored && result.stored.missing > 0)
    found.push(await missingReport(world.origin, result.stored.missingSends));
  if (notResumed > 0) found.push(`notResumed ${notResumed}`);
  if (timings.recoverMs === null) found.push("notRecovered");
  if (timings.drainMs === null) found.push("notDrained");
  return {
    scenario: name,
    ok: found.length === 0,
    seed: o.seed,
    withOrigin: world.origin !== null,
    ...timings,
    audit: result,
    violations: found,
  };
}

/** Each conversation's highest acknowledged seq. */
function newestAcked(sends: Sent[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const s of sends)
    if (s.seq !== undefined) newest.set(s.conversationId, Math.max(newest.get(s.conversationId) ?? 0, s.seq));
  return newest;
}

/** What a device of `userId` must have once resumed: each of the user's conversations up to its newest seq. */
function expectedFor(cast: Cast, userId: string, newest: Map<string, number>): Map<string, number> {
  const user = cast.users.find((u) => u.id === userId)!;
  return new Map(user.conversations.filter((id) => newest.has(id)).map((id) => [id, newest.get(id)!]));
}

/** Names the first sends Cassandra lacks, when they were acknowledged, and where Kafka has them (if it does). */
async function missingReport(origin: OriginPipeline, missing: Sent[]): Promise<string> {
  const keys = missing.map((s) => `${s.conversationId}#${s.seq}`);
  const where = await origin
    .locate(keys)
    .catch((error: unknown) => ({ found: new Map<string, string[]>(), committed: `unknown (${String(error)})` }));
  const lines = missing.map(
    (s, i) =>
      `${keys[i]} (${s.clientMsgId}, acked ${new Date(s.ackAt!).toISOString().slice(11, 23)}): ${where.found.get(keys[i]!)?.join(", ") ?? "not in Kafka"}`,
  );
  return `missing from Cassandra: ${lines.join("; ")}; persister committed ${where.committed}`;
}
