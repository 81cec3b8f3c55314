/**
 * `origin`: message events through ingest → Kafka → persister → Cassandra, on the real servers
 * (`npm run services -- up`). The origin services run in this process (origin/main.ts `startServices`, as the
 * end-to-end tests start them) with their own keyspace, topics and consumer groups, dropped afterwards.
 * `--pairs` streams post like the edge's outboxes do: one signed batch of `--batch` events in flight per
 * stream (one stream = one conversation, seq 1, 2, 3 …). Measured: accepted events/s and the ingest answer's
 * latency (200 only after Kafka acked), then how long until Cassandra holds every event, and whether it holds
 * each exactly once (the primary key is (conversation, bucket, seq): a count equal to the last seq means none
 * is missing and none doubled).
 */
import type { Options } from "../cli.js";
import { startServices } from "../../origin/main.js";
import { cleanupRun, configOf, countMessages, ingest, log, prepareRun, requireServices, testEnv } from "../../test/origin/support.js";
import { freePort } from "../../test/support/edge.js";
import { sleep } from "../load/hold.js";
import { Meters } from "../load/meters.js";
import { percentiles, round3, type Percentiles } from "../load/result.js";
import { newHistogram } from "../load/tracker.js";
import { Progress } from "../progress.js";
import { machine } from "../report.js";

export interface OriginReport {
  scenario: "origin";
  machine: ReturnType<typeof machine>;
  streams: number;
  batch: number;
  durationS: number;
  events: number;
  acceptedPerSec: number;
  ingestLatencyMs: Percentiles;
  /** From the first post until Cassandra held every event. */
  persistedPerSec: number;
  drainS: number;
  missing: number;
  refusedBatches: number;
  benchCores: number;
  othersCores: number;
  ok: boolean;
  summary: string;
}

export async function runOrigin(o: Options): Promise<OriginReport> {
  const config = configOf(testEnv("bench", { ORIGIN_PORT: String(await freePort()), ORIGIN_SERVICES: "ingest,persister" }));
  await requireServices(config, ["kafka", "cassandra"]);
  const backends = await prepareRun(config);
  const services = await startServices(config, log);
  try {
    return await measure(o, services.url!, (id, n) => countMessages(backends, config, id, n));
  } finally {
    await services.stop();
    await cleanupRun(config, backends);
  }
}

async function measure(o: Options, url: string, count: (conversationId: string, maxSeq: number) => Promise<number>): Promise<OriginReport> {
  const progress = new Progress("origin");
  const tag = Math.random().toString(36).slice(2, 8);
  const streams = Array.from({ length: o.pairs }, (_, i) => ({ id: `bench-${tag}-c${i}`, seq: 0 }));
  const latency = newHistogram();
  const meters = new Meters(null);
  let refused = 0;
  const started = performance.now();
  const endAt = started + o.duration * 1000;
  const ticker = setInterval(() => progress.note(`posted ${streams.reduce((n, s) => n + s.seq, 0)} events, ingest p99 ${percentiles(latency).p99} ms`), 1000);
  await Promise.all(streams.map(async (stream) => {
    while (performance.now() < endAt) {
      const events = Array.from({ length: o.batch }, () => messageEvent(stream.id, ++stream.seq, o.size));
      const t0 = performance.now();
      const res = await ingest(url, events);
      await res.body?.cancel();
      latency.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      if (!res.ok) {
        refused++;
        stream.seq -= o.batch; // the edge would retry the same batch; so do we
      }
    }
  }));
  clearInterval(ticker);
  const postedS = (performance.now() - started) / 1000;
  const cpu = meters.read();
  const events = streams.reduce((n, s) => n + s.seq, 0);
  const missing = await waitPersisted(streams, count, o.drainTimeout * 1000, progress);
  const drainS = (performance.now() - started) / 1000 - postedS;
  progress.done();
  const report = {
    scenario: "origin" as const, machine: machine(), streams: streams.length, batch: o.batch, durationS: round3(postedS), events,
    acceptedPerSec: Math.round(events / postedS), ingestLatencyMs: percentiles(latency),
    persistedPerSec: Math.round(events / (postedS + drainS)), drainS: round3(drainS), missing, refusedBatches: refused,
    benchCores: round3(cpu.benchLoad), othersCores: round3(cpu.othersLoad), ok: missing === 0,
  };
  return { ...report, summary: describe(report) };
}

function messageEvent(conversationId: string, seq: number, size: number) {
  return { kind: "message", conversationId, seq, senderId: "bench", clientMsgId: `m${seq}`, body: "x".repeat(size), sentAt: Date.now() };
}

/** Polls Cassandra until every stream's count reaches its last seq; returns how many events are still missing. */
async function waitPersisted(streams: { id: string; seq: number }[], count: (id: string, n: number) => Promise<number>, timeoutMs: number, progress: Progress): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let pending = streams.filter((s) => s.seq > 0);
  let missing = Infinity;
  while (pending.length > 0 && performance.now() < deadline) {
    const counts = await Promise.all(pending.map((s) => count(s.id, s.seq)));
    missing = pending.reduce((n, s, i) => n + (s.seq - counts[i]!), 0);
    pending = pending.filter((s, i) => counts[i] !== s.seq);
    progress.note(`waiting for Cassandra: ${missing} events missing in ${pending.length} conversations`);
    if (pending.length > 0) await sleep(250);
  }
  return pending.length === 0 ? 0 : missing;
}

function describe(r: Omit<OriginReport, "summary">): string {
  const l = r.ingestLatencyMs;
  return [
    `origin: ${r.streams} streams posting batches of ${r.batch} message events for ${r.durationS} s (ingest -> Kafka -> persister -> Cassandra)`,
    "",
    `accepted by ingest      ${r.acceptedPerSec} events/s (${r.events} events, ${r.refusedBatches} batches refused)`,
    `ingest answer latency   p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.count} batches)`,
    `persisted in Cassandra  ${r.persistedPerSec} events/s overall; the last event ${r.drainS} s after posting stopped`,
    `CPU                     bench + origin process ${r.benchCores} cores, everything else (Kafka, Cassandra, …) ${r.othersCores} cores`,
    "",
    r.ok ? "OK: every event in Cassandra exactly once" : `FAILED: ${r.missing} events missing from Cassandra`,
  ].join("\n");
}
