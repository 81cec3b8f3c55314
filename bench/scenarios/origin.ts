/**
 * `origin`: message events through ingest → Kafka → persister → Cassandra, on the real servers
 * (`npm run services -- up`), next to the two raw ceilings measured in the same run (origin-ceilings.ts). Each
 * run gets its own keyspace, topics and consumer groups, dropped afterwards. Ingest and persister run in origin
 * processes of their own (origin-process.ts).
 *
 * The load (origin-load.ts): `--pairs` streams post like the edge's outboxes do, one signed batch of `--batch`
 * events in flight each. Measured: accepted events/s and the ingest answer's latency (200 only after Kafka acked);
 * persisted events/s from the first post until Cassandra held every event, and how long the persister took after
 * the last post (the drain: it bounds the lag from post to row; Cassandra's write times are seq-derived, see
 * origin/message-store/write-time.ts, so they no longer date a write); whether Cassandra holds each event exactly once (the primary key is (conversation, bucket,
 * seq): a count equal to the last seq means none is missing and none doubled) and the log each event once.
 */
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import {
  cleanupRun,
  configOf,
  countMessages,
  ingest,
  prepareRun,
  requireServices,
  testEnv,
  uncommittedMessages,
  withKafkaAdmin,
} from "../../test/origin/support.js";
import type { Options } from "../cli.js";
import { sleep } from "../load/hold.js";
import { round3 } from "../load/result.js";
import { Progress } from "../progress.js";
import { cassandraCeiling, kafkaCeiling, type CeilingResult } from "./origin-ceilings.js";
import { IngestPoster } from "./origin-poster.js";
import { closedLoop, messageEvent, newStreams, type LoopResult, type Stream } from "./origin-load.js";
import { startOrigin } from "./origin-process.js";
import { originReport, type OriginReport } from "./origin-report.js";

export interface PipelineResult {
  /** Acknowledged by ingest (its answer latency is the batch latency; its cores: the load generator's, and others but the origin's). */
  accepted: LoopResult;
  /** Cores of the origin processes (ingest and persister) while the load ran. */
  originCores: number;
  /** From the first post until Cassandra held every event. */
  persistedPerSec: number;
  /** From the end of posting until the last event was in Cassandra. */
  drainS: number;
  /** Each event, from its post to its row's write. */
  /** Accepted events not in Cassandra when `--drain-timeout` ran out. */
  missing: number;
  /** Records in the messages topic beyond the accepted events (a refused batch, retried, may leave some). */
  logDuplicates: number;
}

export interface OriginRun {
  pipeline: PipelineResult;
  kafka: CeilingResult | null;
  cassandra: CeilingResult | null;
}

export async function runOrigin(o: Options): Promise<OriginReport> {
  if (o.warmup > 0) {
    process.stderr.write(`[origin] warm-up run, ${o.warmup} s per phase, not measured\n`);
    await runOnce({ ...o, duration: o.warmup, cpuProf: false });
  }
  const runs: OriginRun[] = [];
  for (let run = 1; run <= o.runs; run++) runs.push(await runOnce(o));
  return originReport(o, runs);
}

async function runOnce(o: Options): Promise<OriginRun> {
  const env = testEnv("bench");
  const config = configOf(env);
  await requireServices(config, ["kafka", "cassandra"]);
  const backends = await prepareRun(config);
  try {
    const kafka = o.ceiling ? await kafkaCeiling(o, config, backends) : null;
    const cassandra = o.ceiling ? await cassandraCeiling(o, config, backends) : null;
    return { pipeline: await pipeline(o, env, config, backends), kafka, cassandra };
  } finally {
    await cleanupRun(config, backends);
  }
}

async function pipeline(
  o: Options,
  env: Record<string, string>,
  config: OriginConfig,
  backends: Backends,
): Promise<PipelineResult> {
  const origin = await startOrigin(env, o.originProcesses, o.cpuProf);
  let started: number | undefined;
  try {
    const progress = new Progress("origin: ingest -> Kafka -> persister -> Cassandra");
    await warmUp(origin.url, backends, config, o.drainTimeout * 1000);
    started = performance.now();
    const originLoad = origin.meter();
    const streams = newStreams("bench", o.pairs);
    const poster = new IngestPoster(origin.url, config.secret, o.pairs);
    const accepted = await closedLoop(o, streams, progress, (events) => poster.post(events)).finally(() =>
      poster.close(),
    );
    const originCores = round3(originLoad());
    const posted = performance.now();
    const drained = await waitCommitted(config, o.drainTimeout * 1000, progress);
    const drainS = ((drained ?? performance.now()) - posted) / 1000;
    const missing = await waitPersisted(
      streams,
      (id, n) => countMessages(backends, config, id, n),
      o.drainTimeout * 1000,
      progress,
    );
    progress.done();
    return {
      accepted: { ...accepted, othersCores: round3(Math.max(0, accepted.othersCores - originCores)) },
      originCores,
      persistedPerSec: Math.round(accepted.events / (accepted.seconds + drainS)),
      drainS: round3(drainS),
      missing,
      logDuplicates: (await logged(config)) - accepted.events - WARM_UP_EVENTS,
    };
  } finally {
    await origin.stop(started);
  }
}

const WARM_UP_EVENTS = 1;

/** One event through the whole pipeline first: the persister has joined its group and every client is connected. */
async function warmUp(url: string, backends: Backends, config: OriginConfig, timeoutMs: number): Promise<void> {
  const [stream] = newStreams("warm-up", 1);
  const res = await ingest(url, [messageEvent(stream!.id, 1, 1)]);
  if (!res.ok) throw new Error(`warm-up batch refused: ${res.status} ${await res.text()}`);
  stream!.seq = WARM_UP_EVENTS;
  if (
    await waitPersisted(
      [stream!],
      (id, n) => countMessages(backends, config, id, n),
      timeoutMs,
      new Progress("origin: warm-up"),
    )
  ) {
    throw new Error("warm-up event never reached Cassandra");
  }
}

async function logged(config: OriginConfig): Promise<number> {
  const offsets = await withKafkaAdmin(config, (admin) => admin.fetchTopicOffsets(config.kafka.topics.messages));
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

/**
 * When the persister has committed every partition of the messages topic up to its end: it commits a batch only
 * after Cassandra acknowledged its rows, so this is when Cassandra held every accepted event (at worst one poll
 * late). Cheap enough to poll often, unlike counting rows, which would load Cassandra while it drains. Undefined
 * if the timeout ran out first; the row counts that follow say what is missing.
 */
async function waitCommitted(config: OriginConfig, timeoutMs: number, progress: Progress): Promise<number | undefined> {
  return withKafkaAdmin(config, async (admin) => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const behind = await uncommittedMessages(admin, config);
      if (behind === 0) return performance.now();
      progress.note(`waiting for the persister: ${behind} records not yet committed`);
      await sleep(COMMIT_POLL_MS);
    }
    return undefined;
  });
}

const COMMIT_POLL_MS = 20;

/** Polls Cassandra until every stream's count reaches its last seq; returns how many events are still missing. */
async function waitPersisted(
  streams: Stream[],
  count: (id: string, n: number) => Promise<number>,
  timeoutMs: number,
  progress: Progress,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let pending = streams.filter((s) => s.seq > 0);
  let missing = 0;
  while (pending.length > 0 && performance.now() < deadline) {
    const counts = await Promise.all(pending.map((s) => count(s.id, s.seq)));
    missing = pending.reduce((n, s, i) => n + Math.max(0, s.seq - counts[i]!), 0);
    pending = pending.filter((s, i) => counts[i]! < s.seq);
    progress.note(`waiting for Cassandra: ${missing} events missing in ${pending.length} conversations`);
    if (pending.length > 0) await sleep(100);
  }
  return pending.length === 0 ? 0 : missing;
}
