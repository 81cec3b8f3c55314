/**
 * The audit after a scenario: plain functions over what the devices received, what the senders were
 * acknowledged, what the edge's history holds and (with an origin) what Cassandra holds. Every count except
 * `acked`, `duplicateAcks`, `expectedDeliveries`, `deliveredOnce` and `stored.rows` is a violation. Actions are
 * entries like messages (delivered once, in order); besides, every message must end, on every device, in the edge's
 * history and in Cassandra, as the acknowledged entries say it must in seq order (edited, deleted, its reactions,
 * its quote, its attachment references: gone once deleted).
 */
import { applyEntry, type Message } from "../../protocol/index.js";
import type { Cast } from "./cast.js";
import type { Received } from "./device.js";
import { referencesOf, type FileCounts } from "./files.js";
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
  /** How the traffic's uploads went. */
  files: FileCounts;
}

export interface StoreCounts {
  rows: number;
  missing: number;
  extra: number;
  mismatched: number;
  /** Rows with other attachment references than the message's final state has. */
  attachments: number;
  /** The first few acknowledged sends the store lacks, to diagnose. */
  missingSends: Sent[];
}

export interface Audit {
  sends: number;
  acked: number;
  duplicateAcks: number;
  /** Acknowledged entries by kind: messages (replies among them), edits, deletes, reactions. */
  kinds: Record<string, number>;
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
  /** Messages a device ended with in another state than the acknowledged entries make (body, tombstone, reactions, quote). */
  finalState: number;
  /** Acknowledged messages carrying files, the files, and how their uploads went (a failed one was never sent). */
  attachments: { messages: number; files: number; retried: number; uploadsFailed: number };
  /** Messages a device ended with other attachment references than the acknowledged entries make. */
  attachmentsDiffer: number;
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
  "finalState",
  "attachmentsDiffer",
] as const;

export function violations(a: Audit): string[] {
  const found: string[] = VIOLATIONS.filter((k) => a[k] > 0).map((k) => `${k} ${a[k]}`);
  if (a.attachments.uploadsFailed > 0) found.push(`uploadsFailed ${a.attachments.uploadsFailed}`);
  for (const [name, s] of [
    ["history", a.history],
    ["cassandra", a.stored],
  ] as const) {
    if (!s) continue;
    for (const k of ["missing", "extra", "mismatched", "attachments"] as const)
      if (s[k] > 0) found.push(`${name}.${k} ${s[k]}`);
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
  const expected = expectedStates(bySeq);
  const acked = input.sends.filter((s) => s.seq !== undefined);
  const a: Audit = {
    sends: input.sends.length,
    acked: acked.length,
    duplicateAcks: acked.filter((s) => s.duplicate).length,
    kinds: kindsOf(acked),
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
    finalState: 0,
    attachments: {
      messages: acked.filter((s) => s.attachments).length,
      files: acked.reduce((n, s) => n + (s.attachments?.length ?? 0), 0),
      retried: input.files.retried,
      uploadsFailed: input.files.failed,
    },
    attachmentsDiffer: 0,
    history: compareStore(input.history, rowsOf(bySeq, expected, false)),
    stored: input.stored && compareStore(input.stored, rowsOf(bySeq, expected, true)),
  };
  for (const device of input.devices) auditDevice(a, device, input.cast, bySeq, expected);
  return a;
}

function kindsOf(acked: Sent[]): Record<string, number> {
  const kinds: Record<string, number> = { message: 0, reply: 0, edit: 0, delete: 0, react: 0 };
  for (const s of acked) kinds[s.replyTo !== undefined ? "reply" : s.kind]!++;
  return kinds;
}

type States = Map<string, Map<number, Message>>;

/** Every message's state as the acknowledged entries make it, applied in seq order. */
function expectedStates(bySeq: Map<string, Map<number, Sent>>): States {
  const states: States = new Map();
  for (const [conversationId, sends] of bySeq) {
    const held = new Map<number, Message>();
    for (const seq of [...sends.keys()].sort((x, y) => x - y)) applyEntry(held, entryOf(sends.get(seq)!));
    states.set(conversationId, held);
  }
  return states;
}

function entryOf(sent: Sent): Message {
  const entry: Message = {
    conversationId: sent.conversationId,
    seq: sent.seq!,
    senderId: sent.senderId,
    clientMsgId: sent.clientMsgId,
    body: sent.body,
    sentAt: 0,
  };
  if (sent.action) entry.action = sent.action;
  if (sent.quote) entry.replyTo = sent.quote;
  if (sent.attachments) entry.attachments = sent.attachments;
  return entry;
}

/** What a message shows, in a form two holders can be compared by (users in any order). */
function shown(m: Message | undefined): string {
  if (!m) return "absent";
  const reactions = (m.reactions ?? []).map((r) => `${r.emoji}:${r.count}:${[...r.users].sort().join("+")}`).sort();
  return JSON.stringify([m.body, m.deleted ?? false, m.editedAt ?? null, reactions, m.replyTo ?? null]);
}

/** The rows a store must hold: the messages in their final state, and (`withActions`) the actions' rows, bodiless. */
function rowsOf(bySeq: Map<string, Map<number, Sent>>, expected: States, withActions: boolean): Expected {
  const rows: Expected = new Map();
  for (const [conversationId, sends] of bySeq) {
    const want = new Map<number, ExpectedRow>();
    for (const [seq, sent] of sends) {
      if (sent.kind !== "message" && !withActions) continue;
      const message = sent.kind === "message" ? expected.get(conversationId)!.get(seq)! : undefined;
      want.set(seq, { sent, body: message?.body ?? "", attachments: referencesOf(message?.attachments) });
    }
    rows.set(conversationId, want);
  }
  return rows;
}

function auditDevice(
  a: Audit,
  device: DeviceRecord,
  cast: Cast,
  bySeq: Map<string, Map<number, Sent>>,
  states: States,
): void {
  a.seqConflicts += device.seqConflicts;
  const seen = new Map<string, number[]>();
  const held: States = new Map();
  for (const r of device.received) {
    const sent = bySeq.get(r.conversationId)?.get(r.seq);
    if (!sent) a.unexpected++;
    else if (sent.clientMsgId !== r.clientMsgId || !sameEntry(sent, r, bySeq.get(r.conversationId)!)) a.mismatched++;
    const seqs = seen.get(r.conversationId) ?? [];
    seen.set(r.conversationId, seqs);
    seqs.push(r.seq);
    const messages = held.get(r.conversationId) ?? new Map<number, Message>();
    held.set(r.conversationId, messages);
    applyEntry(messages, r.message);
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
    for (const [seq, message] of states.get(conversationId) ?? []) {
      const has = held.get(conversationId)?.get(seq);
      if (shown(message) !== shown(has)) a.finalState++;
      if (referencesOf(message.attachments) !== referencesOf(has?.attachments)) a.attachmentsDiffer++;
    }
  }
}

/**
 * An entry as the device got it against what was sent: an action of the kind on the target asked; a message with
 * the body it was sent with or one it had later (a fetch hands a message as it is now: edited, or deleted).
 */
function sameEntry(sent: Sent, r: Received, sends: Map<number, Sent>): boolean {
  const action = r.message.action;
  if (sent.kind !== "message") return action?.kind === sent.kind && action.target === sent.request!.seq;
  if (action) return false;
  if (r.body === sent.body) return true;
  for (const other of sends.values()) {
    const request = other.request;
    if (!request || request.seq !== sent.seq) continue;
    if (request.kind === "edit" && request.body === r.body) return true;
    if (request.kind === "delete" && r.body === "" && r.message.deleted) return true;
  }
  return false;
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

interface ExpectedRow {
  sent: Sent;
  /** The body the row must have now: a message's final one, an action's empty one. */
  body: string;
  /** The references it must have now (referencesOf): a message's final ones, none for an action. */
  attachments: string;
}
type Expected = Map<string, Map<number, ExpectedRow>>;

/**
 * A store (edge history or Cassandra) against the acks: every expected seq present once with the acked clientMsgId
 * and the final body (`missing`, `mismatched`), and nothing else (`extra`: a seq no one was acknowledged, or a second
 * row).
 */
function compareStore(rows: Map<string, StoredRow[]>, expected: Expected): StoreCounts {
  const counts: StoreCounts = { rows: 0, missing: 0, extra: 0, mismatched: 0, attachments: 0, missingSends: [] };
  for (const [conversationId, acked] of expected) {
    const stored = rows.get(conversationId) ?? [];
    counts.rows += stored.length;
    const bySeqStored = new Map<number, StoredRow>();
    for (const row of stored) {
      if (bySeqStored.has(row.seq) || !acked.has(row.seq)) counts.extra++;
      bySeqStored.set(row.seq, row);
    }
    for (const [seq, { sent, body, attachments }] of acked) {
      const row = bySeqStored.get(seq);
      if (!row) {
        counts.missing++;
        if (counts.missingSends.length < 5) counts.missingSends.push(sent);
        continue;
      }
      if (row.clientMsgId !== sent.clientMsgId || row.body !== body) counts.mismatched++;
      if (row.attachments !== attachments) counts.attachments++;
    }
  }
  for (const [conversationId, stored] of rows) if (!expected.has(conversationId)) counts.extra += stored.length;
  return counts;
}
