/** The human-readable summary of a chaos run (the JSON form is the results themselves). */
import type { Audit } from "./audit.js";
import type { AbuseResult } from "./abuse-run.js";
import type { PipelineFigures } from "./pipeline-watch.js";
import type { ScenarioResult } from "./run.js";

const ms = (v: number | null) => (v === null ? "never" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);

function auditLines(a: Audit): string[] {
  const lines = [
    `  sends ${a.sends}, acked ${a.acked} (${a.duplicateAcks} acks were for a retry: duplicate=true), refused ${a.refused}, never acked ${a.unacked}`,
    `  deliveries: expected ${a.expectedDeliveries}, exactly once ${a.deliveredOnce}, lost ${a.lost}, duplicated ${a.duplicated}, out of order ${a.outOfOrder}, mismatched ${a.mismatched}, unexpected ${a.unexpected}`,
    `  of them: ${Object.entries(a.kinds)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(", ")}; messages in another final state on a device ${a.finalState}`,
    `  seqs: gaps ${a.seqGaps}, one seq for two messages on the wire ${a.seqConflicts}, ack conflicts ${a.ackConflicts}, sender order broken ${a.senderOrder}`,
    `  attachments: ${a.attachments.messages} messages with ${a.attachments.files} files (${a.attachments.retried} upload tries failed and were retried, ${a.attachments.uploadsFailed} uploads failed for good); messages whose references differ on a device ${a.attachmentsDiffer}`,
    `  edge history: ${a.history.rows} rows, missing ${a.history.missing}, extra ${a.history.extra}, mismatched ${a.history.mismatched}, references differ ${a.history.attachments}`,
  ];
  if (a.stored)
    lines.push(
      `  cassandra: ${a.stored.rows} rows, missing ${a.stored.missing}, extra ${a.stored.extra}, body/id mismatched ${a.stored.mismatched}, references differ ${a.stored.attachments}`,
    );
  return lines;
}

function pipelineLine(p: PipelineFigures): string {
  const grew = p.ingestRefused > 0 || p.outboxPeak > 2 * p.outboxPeakBefore + 4;
  return [
    `  edge outbox ${grew ? "GREW" : "did not grow"}: peak ${p.outboxPeak} entries waiting for origin (${p.outboxPeakBefore} before the fault), ${p.ingestRefused} ingest batches refused;`,
    `  longest stall: ingest ${ms(p.ingestStallMs)}, persister writes ${ms(p.persisterStallMs)}, persister commits ${ms(p.commitStallMs)}; persister group lag peak ${p.lagPeak}, at the end ${p.lagEnd}`,
  ].join("\n");
}

export function scenarioTable(r: ScenarioResult): string {
  const details = Object.entries(r.details)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `${r.scenario}${r.withOrigin ? " (with origin)" : ""}: ${r.ok ? "OK" : "FAILED"}  seed ${r.seed}`,
    ...(r.pipeline ? [pipelineLine(r.pipeline)] : []),
    `  ${r.pipeline ? "fault lasted" : "outage"} ${ms(r.outageMs)}; recovered ${ms(r.recoverMs)} after that${r.withOrigin ? ` (devices ${ms(r.devicesMs)}, then Cassandra)` : ""}; drained ${ms(r.drainMs)} after traffic stopped`,
    ...(details ? [`  ${details}`] : []),
    ...auditLines(r.audit),
    ...(r.ok ? [] : [`  violations: ${r.violations.join(", ")}`]),
  ].join("\n");
}

export function abuseTable(r: AbuseResult): string {
  const lat = (p: AbuseResult["baseline"]) =>
    `ack p50 ${p.ack.p50} ms p99 ${p.ack.p99} ms, delivery p50 ${p.delivery.p50} ms p99 ${p.delivery.p99} ms (${p.ack.n} sends)`;
  const f = r.flood;
  return [
    `abuse: ${r.ok ? "OK" : "FAILED"}  seed ${r.seed}`,
    `  baseline: ${lat(r.baseline)}; CPU workerd ${r.cpu.baseline.workerd}%, this process ${r.cpu.baseline.self}%`,
    `  abuse:    ${lat(r.abused)}; CPU workerd ${r.cpu.abused.workerd}%, this process ${r.cpu.abused.self}%`,
    `  flood: ${f.frames} frames from ${f.sockets} sockets (${f.byKind}), ${f.errors} error answers, ${f.otherAnswers} other answers, ${f.closed} sockets closed by the server;`,
    `         forged tokens: ${f.forged} upgrades and HTTP calls, ${f.forgedAccepted} accepted; stranger probes (presence, made-up ids): ${f.probes}, ${f.probesAnswered} learned anything`,
    `         typing into big groups: ${f.groupTyping} frames; Durable Objects created by the flood: ${r.objectsCreated}`,
    ...(r.origin
      ? [
          `  origin ingest: ${r.origin.unsigned} 8 MiB bodies under made-up signatures (${r.origin.unsignedAccepted} not refused), ${r.origin.replays} replays of signed requests (${r.origin.replaysAccepted} served), RSS +${r.origin.rssGrowthMiB} MiB`,
        ]
      : []),
    `  workerd VmRSS: ${r.memory.startMiB} MiB at the start, ${r.memory.beforeMiB} MiB after the baseline, peak ${r.memory.peakMiB} MiB under abuse, ${r.memory.afterMiB} MiB 2 s after it`,
    ...auditLines(r.audit),
    ...(r.ok ? [] : [`  violations: ${r.violations.join(", ")}`]),
  ].join("\n");
}
