/**
 * Reading the system's state for the audit and for recovery timing: whether a set of sends has gone all the
 * way through (acknowledged, in every member device, in Cassandra), the edge's history, Cassandra's rows.
 */
import { ChatApi } from "../../client/api.js";
import { HISTORY_PAGE_MAX } from "../../protocol/limits.js";
import type { Cast } from "./cast.js";
import type { Device } from "./device.js";
import { referencesOf } from "./files.js";
import type { OriginPipeline, StoredRow } from "./origin.js";
import type { Sent, Traffic } from "./traffic.js";

const POLL_MS = 200;
/** Cassandra is asked less often than memory: the poll must not become load on what is recovering. */
const STORE_POLL_MS = 1_000;

/** Sends not yet through: unacknowledged, or missing from some member's device. Refused sends count as done. */
function pendingOnEdge(sends: Sent[], devicesOf: Map<string, Device[]>, cast: Cast): number {
  let pending = 0;
  for (const s of sends) {
    if (s.refused !== undefined) continue;
    if (s.seq === undefined) {
      pending++;
      continue;
    }
    const members = cast.conversations.find((c) => c.id === s.conversationId)!.members;
    if (members.some((m) => devicesOf.get(m)!.some((d) => !d.has(s.conversationId, s.seq!)))) pending++;
  }
  return pending;
}

/** Rows of a conversation up to a seq, as some reader of Cassandra sees them. */
export type RowsOf = (conversationId: string, maxSeq: number) => Promise<StoredRow[]>;

/** Acked sends of `sends` whose (conversation, seq) Cassandra (or the reader given) does not hold yet. */
export async function pendingInStore(
  origin: OriginPipeline,
  sends: Sent[],
  rowsOf: RowsOf = (id, maxSeq) => origin.rows(id, maxSeq),
): Promise<number> {
  const byConversation = new Map<string, Sent[]>();
  for (const s of sends)
    if (s.seq !== undefined) byConversation.set(s.conversationId, [...(byConversation.get(s.conversationId) ?? []), s]);
  let pending = 0;
  for (const [conversationId, list] of byConversation) {
    const rows = await rowsOf(conversationId, Math.max(...list.map((s) => s.seq!)));
    const seqs = new Set(rows.map((r) => r.seq));
    pending += list.filter((s) => !seqs.has(s.seq!)).length;
  }
  return pending;
}

export interface Through {
  /** Until every send was acknowledged and in every member device; null = not within the timeout. */
  devicesMs: number | null;
  /** Until that and, with an origin, every one of them in Cassandra too; null = not within the timeout. */
  allMs: number | null;
  /** When not through: what the last look at Cassandra found. */
  lastStore?: string;
}

/** Polls until every send in `sends` is through, timing the devices and Cassandra apart. */
export async function waitThrough(
  traffic: Traffic,
  sends: Sent[],
  origin: OriginPipeline | null,
  timeoutMs: number,
): Promise<Through> {
  const started = Date.now();
  const devicesOf = new Map<string, Device[]>();
  for (const d of traffic.devices)
    devicesOf.set(d.userId, [...(devicesOf.get(d.userId) ?? []), ...(d.offline ? [] : [d])]);
  let devicesMs: number | null = null;
  let storeCheckedAt = 0;
  let lastStore = "not read";
  while (Date.now() - started < timeoutMs) {
    if (devicesMs === null && pendingOnEdge(sends, devicesOf, traffic.cast) === 0) devicesMs = Date.now() - started;
    if (devicesMs !== null && !origin) return { devicesMs, allMs: devicesMs };
    if (devicesMs !== null && Date.now() - storeCheckedAt >= STORE_POLL_MS) {
      storeCheckedAt = Date.now();
      const pending = await pendingInStore(origin!, sends).catch((error: unknown) => {
        lastStore = `the read failed: ${String(error)}`;
        return -1;
      });
      if (pending === 0) return { devicesMs, allMs: Date.now() - started };
      if (pending > 0) lastStore = `${pending} acked entries not in Cassandra`;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { devicesMs, allMs: null, lastStore };
}

/** A conversation's whole history as the edge serves it to a member, page by page. */
export async function edgeHistory(url: string, token: string, conversationId: string): Promise<StoredRow[]> {
  const api = new ChatApi(url, token);
  const rows: StoredRow[] = [];
  for (let after = 0, more = true; more;) {
    const page = await api.history(conversationId, { after, limit: HISTORY_PAGE_MAX });
    for (const m of page.messages)
      rows.push({ seq: m.seq, clientMsgId: m.clientMsgId, body: m.body, attachments: referencesOf(m.attachments) });
    more = page.hasMore && page.messages.length > 0;
    after = page.messages.at(-1)?.seq ?? after;
  }
  return rows;
}

/** Edge history of every conversation, read as its first member. */
export async function allHistory(url: string, cast: Cast): Promise<Map<string, StoredRow[]>> {
  const out = new Map<string, StoredRow[]>();
  for (const c of cast.conversations) {
    const token = cast.users.find((u) => u.id === c.members[0])!.token;
    out.set(c.id, await edgeHistory(url, token, c.id));
  }
  return out;
}

/** Cassandra's rows of every conversation, up to the highest seq the edge's history has. */
export async function allStored(
  origin: OriginPipeline,
  history: Map<string, StoredRow[]>,
): Promise<Map<string, StoredRow[]>> {
  const out = new Map<string, StoredRow[]>();
  for (const [conversationId, rows] of history)
    out.set(conversationId, await origin.rows(conversationId, Math.max(0, ...rows.map((r) => r.seq)) + 1000));
  return out;
}
