/**
 * The abuse scenario: legitimate traffic alone for a while (the baseline), then the same traffic while a flood
 * of garbage and forged tokens hits the edge from many sockets. Legitimate latency under abuse is compared with
 * the baseline, workerd's memory is sampled throughout, and the legitimate traffic is audited like any other.
 */
import { readdirSync } from "node:fs";
import type { Audit } from "./audit.js";
import { ChatApi } from "../../client/api.js";
import type { Options } from "./cli.js";
import { Flood, type FloodStats } from "./flood.js";
import { OriginFlood, type OriginFloodStats } from "./origin-flood.js";
import { cpuMark, cpuShare, phaseLatency, RssSampler, type PhaseLatency } from "./measure.js";
import { Random } from "./random.js";
import { drain, startCast, tagOf, verdict, type Say } from "./run.js";
import { Traffic, trafficOptions } from "./traffic.js";
import { World } from "./world.js";

export interface AbuseResult {
  scenario: "abuse";
  ok: boolean;
  seed: number;
  baseline: PhaseLatency;
  abused: PhaseLatency;
  flood: FloodStats;
  /** Durable Objects that came into existence while the flood ran (made-up ids must create none). */
  objectsCreated: number;
  /** With an origin: made-up signatures on large bodies and replayed signed requests at its ingest (in this process). */
  origin?: OriginFloodStats & { rssGrowthMiB: number };
  /** workerd VmRSS: at the start of the baseline, at its end (= before abuse), the peak under abuse, 2 s after it. */
  memory: { startMiB: number; beforeMiB: number; peakMiB: number; afterMiB: number };
  /** Percent of one core used by workerd and by the chaos process itself, per phase. */
  cpu: { baseline: { workerd: number; self: number }; abused: { workerd: number; self: number } };
  audit: Audit;
  violations: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ATTACKERS = 8;
const FORGED_PER_SEC = 20;
const PROBES_PER_SEC = 20;
/** Big groups per typist (every other attacker), each of every legitimate user, and typing frames a second into them. */
const FLOOD_GROUPS = 3;
const GROUP_TYPING_PER_SEC = 100;
/** Large unsigned bodies and replays a second at the origin's ingest, half each. */
const ORIGIN_FLOOD_PER_SEC = 20;

export async function runAbuse(o: Options, say: Say): Promise<AbuseResult> {
  const world = await World.start({ name: "abuse", origin: o.origin, storage: o.storage, edgeEnv: o.edgeEnv });
  const random = new Random(o.seed);
  const rss = new RssSampler(() => world.edge.pid());
  let traffic: Traffic | null = null;
  let flood: Flood | null = null;
  let originFlood: OriginFlood | null = null;
  try {
    const tag = tagOf("abuse", o.seed);
    const cast = await startCast(world, o, tag);
    traffic = new Traffic(cast, world.url, random, trafficOptions(o, tag));
    await traffic.connect();
    const attackers = await Promise.all(
      Array.from({ length: ATTACKERS }, async (_, i) => ({
        id: `${tag}-x${i}`,
        token: await ChatApi.devToken(world.url, `${tag}-x${i}`),
      })),
    );
    flood = new Flood(
      world.url,
      attackers,
      cast.users.map((u) => ({ userId: u.id, conversations: u.conversations })),
      random,
    );
    say(`abuse: ${traffic.online.length} legitimate devices at ${o.rate} msg/s; baseline for ${o.abuseForS} s`);
    traffic.start();
    const t0 = Date.now();
    const c0 = cpuMark(world.edge.pid());
    await sleep(o.abuseForS * 1000);
    const t1 = Date.now();
    const c1 = cpuMark(world.edge.pid());
    await flood.open(o.abuseSockets);
    await flood.makeGroups(FLOOD_GROUPS);
    say(
      `abuse: ${o.abuseSockets} abusive sockets open; flooding ${o.abuseRate} frames/s, ${FORGED_PER_SEC} forged tokens/s, ` +
        `${PROBES_PER_SEC} stranger probes/s and ${GROUP_TYPING_PER_SEC} typing frames/s into big groups for ${o.abuseForS} s`,
    );
    // The flood may create nothing: every Durable Object it could reach exists before it starts.
    const objectsBefore = objectFiles(world.edge.persistDir);
    const ingestRss = world.origin ? new RssSampler(() => process.pid) : null;
    const t2 = Date.now();
    const c2 = cpuMark(world.edge.pid());
    flood.start(
      { frames: o.abuseRate, forged: FORGED_PER_SEC, probes: PROBES_PER_SEC, groupTyping: GROUP_TYPING_PER_SEC },
      o.abuseKinds,
    );
    if (world.origin) (originFlood = new OriginFlood(world.origin.url)).start(ORIGIN_FLOOD_PER_SEC);
    await sleep(o.abuseForS * 1000);
    const t3 = Date.now();
    const c3 = cpuMark(world.edge.pid());
    const stats = await flood.stop();
    flood = null;
    const originStats = originFlood
      ? { ...(await originFlood.stop()), rssGrowthMiB: ingestRss!.peakMiB(t2, Date.now()) - ingestRss!.atMiB(t2) }
      : undefined;
    originFlood = null;
    ingestRss?.stop();
    const objectsCreated = objectFiles(world.edge.persistDir) - objectsBefore;
    const drainMs = await drain(traffic, world, o.recoverTimeoutS);
    await sleep(2_000);
    const memory = {
      startMiB: rss.atMiB(t0),
      beforeMiB: rss.atMiB(t1),
      peakMiB: rss.peakMiB(t2, t3 + 2_000),
      afterMiB: rss.atMiB(t3 + 2_000),
    };
    const base = await verdict("abuse", o, world, traffic, {
      outageMs: 0,
      devicesMs: 0,
      recoverMs: 0,
      drainMs,
      details: {},
    });
    const result: AbuseResult = {
      scenario: "abuse",
      ok: false,
      seed: o.seed,
      baseline: phaseLatency(traffic.sends.values(), traffic.online, t0, t1),
      abused: phaseLatency(traffic.sends.values(), traffic.online, t2, t3),
      flood: stats,
      objectsCreated,
      ...(originStats ? { origin: originStats } : {}),
      memory,
      cpu: { baseline: cpuShare(c0, c1), abused: cpuShare(c2, c3) },
      audit: base.audit,
      violations: [
        ...base.violations,
        ...abuseViolations(o, stats, memory),
        ...(objectsCreated > 0 ? [`objectsCreated ${objectsCreated}`] : []),
        ...originViolations(o, originStats),
      ],
    };
    result.violations.push(...latencyViolations(o, result));
    result.ok = result.violations.length === 0;
    say(`abuse: ${result.ok ? "OK" : `FAILED: ${result.violations.join(", ")}`}`);
    return result;
  } finally {
    await flood?.stop(0);
    await originFlood?.stop();
    rss.stop();
    traffic?.close();
    await world.stop();
  }
}

/** Every Durable Object that ever wrote storage has its own SQLite file under the edge's persist directory. */
function objectFiles(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
    (e) => e.isFile() && e.name.endsWith(".sqlite"),
  ).length;
}

function abuseViolations(o: Options, f: FloodStats, memory: AbuseResult["memory"]): string[] {
  const found: string[] = [];
  if (f.forgedAccepted > 0) found.push(`forgedAccepted ${f.forgedAccepted}`);
  if (f.probesAnswered > 0) found.push(`probesAnswered ${f.probesAnswered}`);
  if (f.otherAnswers > 0) found.push(`abuseAnsweredWithoutError ${f.otherAnswers}`);
  if (f.unanswered > 0) found.push(`abuseUnanswered ${f.unanswered}`);
  if (f.closedWithoutCause > 0) found.push(`abuseSocketsClosed ${f.closedWithoutCause}`);
  if (memory.peakMiB - memory.beforeMiB > o.maxRssMiB)
    found.push(`workerdRssGrowth ${memory.peakMiB - memory.beforeMiB} MiB`);
  return found;
}

function originViolations(o: Options, f: AbuseResult["origin"]): string[] {
  if (!f) return [];
  const found: string[] = [];
  if (f.unsignedAccepted > 0) found.push(`originUnsignedAccepted ${f.unsignedAccepted}`);
  if (f.replaysAccepted > 0) found.push(`originReplaysAccepted ${f.replaysAccepted}`);
  if (f.replays === 0) found.push("originReplaysNotTried");
  if (f.rssGrowthMiB > o.maxRssMiB) found.push(`originRssGrowth ${f.rssGrowthMiB} MiB`);
  return found;
}

/** Legitimate p99 under abuse may reach the design's target or a multiple of the baseline, whichever is higher. */
function latencyViolations(o: Options, r: AbuseResult): string[] {
  const found: string[] = [];
  for (const kind of ["ack", "delivery"] as const) {
    const limit = Math.max(o.maxP99Ms, o.maxP99Factor * r.baseline[kind].p99);
    if (r.abused[kind].p99 > limit) found.push(`${kind}P99 ${r.abused[kind].p99} ms > ${limit} ms`);
  }
  return found;
}
