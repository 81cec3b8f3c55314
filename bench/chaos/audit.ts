/**
 * The audit after a scenario: plain functions over what the devices received, what the senders were
 * acknowledged, what the edge's history holds and (with an origin) what Cassandra holds. Every count except
 * `acked`, `duplicateAcks`, `expectedDeliveries`, `deliveredOnce` and `stored.rows` is a violation.
 */
import type { Cast } from "./cast.js";
import type { Received } from "./device.js";
import type { StoredRow } from "./origin.js";
import type { Sent } from "./traffic.js";

export interface DeviceRecord {
  key: string;
  userId: string;
  received: Received[];
  seqConflicts: number;
}

export interface AuditInput {
  cast: Cast;
  sends: Sent[];
  devices: DeviceRecord[];
  /** The edge's history (`GET …/messages`), per conversation. */
  history: Map<string, StoredRow[]>;
  /** Cassandra's rows per conversation, when an origin was configured. */
  stored?: Map<string, StoredRow[]>;
}

export interface StoreCounts {
  rows: number;
  missing: number;
  extra: number;
  mismatched: number;
  /** The first few acknowledged sends the store lacks, to diagnose. */
  missingSends: Sent[];
}

export interface Audit {
  sends: number;
  acked: number;
  duplicateAcks: number;
  refused: number;
  unacked: number;
  ackConflicts: number;
  /** Seqs below a conversation's highest acked seq that no send was acknowledged with (seq must run 1, 2, 3, …). */
  seqGaps: number;
  senderOrder: number;
  expectedDeliveries: number;
  deliveredOnce: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  mismatched: number;
  unexpected: number;
  /** Two different messages a device saw on the wire with one (conversation, seq). */
  seqConflicts: number;
  history: StoreCounts;
  stored?: StoreCounts;
}

const VIOLATIONS = [
  "refused",
  "unacked",
  "ackConflicts",
  "seqGaps",
  "senderOrder",
  "lost",
  "duplicated",
  "outOfOrder",
  "mismatched",
  "unexpected",
  "seqConflicts",
] as const;

export function violations(a: Audit): string[] {
  const found: string[] = VIOLATIONS.filter((k) => a[k] > 0).map((k) => `${k} ${a[k]}`);
  for (const [name, s] of [
    ["history", a.history],
    ["cassandra", a.stored],
  ] as const) {
    if (!s) continue;
    for (const k of ["missing", "extra", "mismatched"] as const) if (s[k] > 0) found.push(`${name}.${k} ${s[k]}`);
  }
  return found;
}

/** Acknowledged sends by conversation, then seq. Two clientMsgIds acknowledged with one seq is an ack conflict. */
function ackedBySeq(sends: Sent[]): { bySeq: Map<string, Map<number, Sent>>; conflicts: number } {
  const bySeq = new Map<string, Map<number, Sent>>();
  let conflicts = 0;
  for (const s of sends) {
    if (s.seq === undefined) continue;
    const seqs = bySeq.get(s.conversationId) ?? new Map<number, Sent>();
    bySeq.set(s.conversationId, seqs);
    if (seqs.has(s.seq)) conflicts++;
    else seqs.set(s.seq, s);
  }
  return { bySeq, conflicts };
}

export function audit(input: AuditInput): Audit {
  const { bySeq, conflicts } = ackedBySeq(input.sends);
  const acked = input.sends.filter((s) => s.seq !== undefined);
  const a: Audit = {
    sends: input.sends.length,
    acked: acked.length,
    duplicateAcks: acked.filter((s) => s.duplicate).length,
    refused: input.sends.filter((s) => s.refused !== undefined).length,
    unacked: input.sends.filter((s) => s.seq === undefined && s.refused === undefined).length,
    ackConflicts: conflicts,
    seqGaps: [...bySeq.values()].reduce((n, seqs) => n + Math.max(...seqs.keys()) - seqs.size, 0),
    senderOrder: senderOrderViolations(acked),
    expectedDeliveries: 0,
    deliveredOnce: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    mismatched: 0,
    unexpected: 0,
    seqConflicts: 0,
    history: compareStore(input.history, bySeq),
    stored: input.stored && compareStore(input.stored, bySeq),
  };
  for (const device of input.devices) auditDevice(a, device, input.cast, bySeq);
  return a;
}

function auditDevice(a: Audit, device: DeviceRecord, cast: Cast, bySeq: Map<string, Map<number, Sent>>): void {
  a.seqConflicts += device.seqConflicts;
  const seen = new Map<string, number[]>();
  for (const r of device.received) {
    const sent = bySeq.get(r.conversationId)?.get(r.seq);
    if (!sent) a.unexpected++;
    else if (sent.clientMsgId !== r.clientMsgId || sent.body !== r.body) a.mismatched++;
    const seqs = seen.get(r.conversationId) ?? [];
    seen.set(r.conversationId, seqs);
    seqs.push(r.seq);
  }
  const user = cast.users.find((u) => u.id === device.userId)!;
  for (const conversationId of user.conversations) {
    const expected = bySeq.get(conversationId) ?? new Map<number, Sent>();
    const got = seen.get(conversationId) ?? [];
    const counts = new Map<number, number>();
    for (const seq of got) counts.set(seq, (counts.get(seq) ?? 0) + 1);
    a.expectedDeliveries += expected.size;
    for (const seq of expected.keys()) {
      const n = counts.get(seq) ?? 0;
      if (n === 0) a.lost++;
      else if (n === 1) a.deliveredOnce++;
      else a.duplicated += n - 1;
    }
    got.forEach((seq, i) => i > 0 && seq <= got[i - 1]! && a.outOfOrder++);
  }
}

/** A device's sends into one conversation must be sequenced in the order the device made them. */
function senderOrderViolations(acked: Sent[]): number {
  const lanes = new Map<string, Sent[]>();
  for (const s of acked) {
    const lane = lanes.get(`${s.deviceKey} ${s.conversationId}`) ?? [];
    lanes.set(`${s.deviceKey} ${s.conversationId}`, lane);
    lane.push(s);
  }
  let bad = 0;
  for (const lane of lanes.values()) {
    lane.sort((x, y) => x.order - y.order);
    lane.forEach((s, i) => i > 0 && s.seq! <= lane[i - 1]!.seq! && bad++);
  }
  return bad;
}

/**
 * A store (edge history or Cassandra) against the acks: every acked seq present once with the acked clientMsgId
 * and body (`missing`, `mismatched`), and nothing else (`extra`: a seq no one was acknowledged, or a second row).
 */
function compareStore(rows: Map<string, StoredRow[]>, bySeq: Map<string, Map<number, Sent>>): StoreCounts {
  const counts: StoreCounts = { rows: 0, missing: 0, extra: 0, mismatched: 0, missingSends: [] };
  for (const [conversationId, acked] of bySeq) {
    const stored = rows.get(conversationId) ?? [];
    counts.rows += stored.length;
    const bySeqStored = new Map<number, StoredRow>();
    for (const row of stored) {
      if (bySeqStored.has(row.seq) || !acked.has(row.seq)) counts.extra++;
      bySeqStored.set(row.seq, row);
    }
    for (const [seq, sent] of acked) {
      const row = bySeqStored.get(seq);
      if (!row) {
        counts.missing++;
        if (counts.missingSends.length < 5) counts.missingSends.push(sent);
      } else if (row.clientMsgId !== sent.clientMsgId || row.body !== sent.body) counts.mismatched++;
    }
  }
  for (const [conversationId, stored] of rows) if (!bySeq.has(conversationId)) counts.extra += stored.length;
  return counts;
}
