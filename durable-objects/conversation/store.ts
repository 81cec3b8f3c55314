/**
 * The Conversation's state: SQLite is the truth, and the hot parts (info, members, last seq, recent messages)
 * are kept in memory, loaded once when the object starts and written through on every change.
 * Everything here is synchronous: a Durable Object runs one event at a time, so a method that does not await
 * is atomic, and `transactionSync` makes its writes commit together.
 */
import { HISTORY_PAGE_MAX, type ConversationKind, type HistoryPage, type HistoryQuery, type Message, type SendResult } from "../../protocol/index.js";
import type { DeliveredMessage } from "../shared/delivery.js";
import type { Info, Member } from "./model.js";
import { CONVERSATION_SCHEMA } from "./schema.js";

type Row = Record<string, SqlStorageValue>;
const RECENT_CACHE = 2048;

export class ConversationStore {
  info: Info | null;
  readonly members = new Map<string, Member>();
  /** Users who left this group by themselves: others may not add them back. */
  readonly departed = new Set<string>();
  lastSeq = 0;
  /** The oldest seq still in this object's history; older ones were pruned after origin confirmed them. */
  oldestKept = 1;
  private readonly recent = new Map<number, string>();
  /** Members whose fan-out watermark moved in memory but not yet in SQLite (see confirmDelivery). */
  private readonly unsaved = new Set<Member>();

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql.exec(CONVERSATION_SCHEMA);
    this.info = this.loadInfo();
    for (const row of this.sql.exec("SELECT * FROM members")) this.members.set(String(row.user_id), toMember(row));
    for (const row of this.sql.exec("SELECT user_id FROM departed")) this.departed.add(String(row.user_id));
    const bounds = this.sql.exec("SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM messages").one();
    this.lastSeq = Number(bounds.hi ?? 0);
    this.oldestKept = bounds.lo === null ? this.lastSeq + 1 : Number(bounds.lo);
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  isMember(userId: string): boolean {
    const m = this.members.get(userId);
    return m !== undefined && m.untilSeq === null;
  }

  currentMembers(): string[] {
    return [...this.members.values()].filter((m) => m.untilSeq === null).map((m) => m.userId);
  }

  create(info: Omit<Info, "version" | "originSeq">, members: string[]): void {
    this.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO info (id, kind, title, creator, created_at, version) VALUES (?, ?, ?, ?, ?, 1)", info.id, info.kind, info.title, info.creator, info.createdAt);
      for (const userId of members) this.join(userId);
    });
    this.info = { ...info, version: 1, originSeq: 0 };
  }

  /**
   * Adds and removes members in one transaction and bumps the version every member must be shown. `leaver` is
   * the caller when it removed itself: it is remembered as departed.
   */
  changeMembers(add: string[], remove: string[], leaver?: string): void {
    this.storage.transactionSync(() => {
      this.saveWatermarks();
      for (const userId of add) this.join(userId);
      for (const userId of remove) this.leave(userId);
      if (leaver !== undefined) this.sql.exec("INSERT OR IGNORE INTO departed (user_id) VALUES (?)", leaver);
      this.sql.exec("UPDATE info SET version = version + 1");
    });
    this.info!.version++;
    if (leaver !== undefined) this.departed.add(leaver);
  }

  private join(userId: string): void {
    const existing = this.members.get(userId);
    // A re-joining member whose earlier messages are still owed keeps its watermark; otherwise it starts now.
    const fanoutSeq = existing && existing.fanoutSeq < (existing.untilSeq ?? 0) ? existing.fanoutSeq : this.lastSeq;
    const member: Member = { userId, untilSeq: null, fanoutSeq, lentSeq: 0, lentAt: 0, infoVersion: 0, readSeq: existing?.readSeq ?? 0, deliveredSeq: existing?.deliveredSeq ?? 0 };
    this.sql.exec(
      "INSERT OR REPLACE INTO members (user_id, until_seq, fanout_seq, info_version, read_seq, delivered_seq) VALUES (?, NULL, ?, 0, ?, ?)",
      userId, member.fanoutSeq, member.readSeq, member.deliveredSeq,
    );
    this.members.set(userId, member);
  }

  private leave(userId: string): void {
    const member = this.members.get(userId);
    if (!member || member.untilSeq !== null) return;
    member.untilSeq = this.lastSeq;
    this.sql.exec("UPDATE members SET until_seq = ? WHERE user_id = ?", this.lastSeq, userId);
  }

  /** Sequences a batch from one sender in order; a clientMsgId seen before returns its original seq. */
  append(senderId: string, items: { clientMsgId: string; body: string }[], now: number): SendResult[] {
    // appendFresh is one statement (atomic by itself); the slow path writes several, so it is a transaction.
    return this.appendFresh(senderId, items, now) ?? this.storage.transactionSync(() => items.map((item) => this.appendOne(senderId, item, now)));
  }

  /**
   * The common case in one statement: no clientMsgId of the batch was seen before, so the batch takes the next
   * seqs in order. A retry anywhere in it breaks the unique (sender, clientMsgId) index, the statement writes
   * nothing, and the caller goes message by message. Null in that case.
   */
  private appendFresh(senderId: string, items: { clientMsgId: string; body: string }[], now: number): SendResult[] | null {
    const first = this.lastSeq + 1;
    try {
      this.sql.exec(
        "INSERT INTO messages (seq, sender_id, client_msg_id, body, sent_at) SELECT ? + key, ?, value ->> 0, value ->> 1, ? FROM json_each(?)",
        first, senderId, now, JSON.stringify(items.map((item) => [item.clientMsgId, item.body])),
      );
    } catch (error) {
      if (String(error).includes("UNIQUE")) return null;
      throw error;
    }
    return items.map(({ clientMsgId, body }, i) => {
      this.sequenced(first + i, senderId, clientMsgId, body, now);
      return { seq: first + i, sentAt: now, duplicate: false };
    });
  }

  private appendOne(senderId: string, { clientMsgId, body }: { clientMsgId: string; body: string }, now: number): SendResult {
    const seq = this.lastSeq + 1;
    const insert = this.sql.exec(
      "INSERT INTO messages (seq, sender_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sender_id, client_msg_id) DO NOTHING",
      seq, senderId, clientMsgId, body, now,
    );
    if (insert.rowsWritten === 0) {
      const prior = this.sql.exec("SELECT seq, sent_at FROM messages WHERE sender_id = ? AND client_msg_id = ?", senderId, clientMsgId).one();
      return { seq: Number(prior.seq), sentAt: Number(prior.sent_at), duplicate: true };
    }
    this.sequenced(seq, senderId, clientMsgId, body, now);
    return { seq, sentAt: now, duplicate: false };
  }

  private sequenced(seq: number, senderId: string, clientMsgId: string, body: string, now: number): void {
    this.lastSeq = seq;
    this.remember(seq, JSON.stringify({ conversationId: this.info!.id, seq, senderId, clientMsgId, body, sentAt: now } satisfies Message));
  }

  private remember(seq: number, json: string): void {
    this.recent.set(seq, json);
    if (this.recent.size > RECENT_CACHE) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Messages after `afterSeq`, up to `untilSeq`, at most `limit`, as pre-serialised JSON. */
  messagesAfter(afterSeq: number, untilSeq: number, limit: number): DeliveredMessage[] {
    const last = Math.min(untilSeq, afterSeq + limit);
    const out: DeliveredMessage[] = [];
    for (let seq = afterSeq + 1; seq <= last; seq++) {
      const json = this.recent.get(seq);
      if (json === undefined) return this.readMessages(afterSeq, last);
      out.push({ seq, json });
    }
    return out;
  }

  private readMessages(afterSeq: number, lastSeq: number): DeliveredMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE seq > ? AND seq <= ? ORDER BY seq", afterSeq, lastSeq)
      .toArray()
      .map((row) => ({ seq: Number(row.seq), json: JSON.stringify(this.toMessage(row)) }));
  }

  history(query: HistoryQuery): HistoryPage {
    const n = query.limit + 1;
    const rows =
      query.after !== undefined
        ? this.sql.exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?", query.after, n).toArray()
        : this.sql.exec("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?", query.before ?? Number.MAX_SAFE_INTEGER, n).toArray().reverse();
    const hasMore = rows.length === n;
    const page = query.after !== undefined ? rows.slice(0, query.limit) : rows.slice(rows.length - Math.min(rows.length, query.limit));
    return { messages: page.map((row) => this.toMessage(row)), hasMore };
  }

  private toMessage(row: Row): Message {
    return {
      conversationId: this.info!.id,
      seq: Number(row.seq),
      senderId: String(row.sender_id),
      clientMsgId: String(row.client_msg_id),
      body: String(row.body),
      sentAt: Number(row.sent_at),
    };
  }

  /**
   * Records what a member confirmed; a member that left and got everything owed is forgotten. The watermark
   * is written lazily (with the next append, membership change or alarm): losing it in a crash only means
   * the member is sent a batch again, which its session drops (`seq <= inbox_seq`).
   */
  confirmDelivery(member: Member, throughSeq: number, infoVersion: number): void {
    member.fanoutSeq = Math.max(member.fanoutSeq, throughSeq);
    member.infoVersion = Math.max(member.infoVersion, infoVersion);
    if (member.untilSeq !== null && member.fanoutSeq >= member.untilSeq && member.infoVersion >= this.info!.version) {
      this.members.delete(member.userId);
      this.unsaved.delete(member);
      this.sql.exec("DELETE FROM members WHERE user_id = ?", member.userId);
      return;
    }
    this.unsaved.add(member);
  }

  /** Writes the watermarks confirmed since the last save. */
  saveWatermarks(): void {
    for (const m of this.unsaved) this.sql.exec("UPDATE members SET fanout_seq = ?, info_version = ? WHERE user_id = ?", m.fanoutSeq, m.infoVersion, m.userId);
    this.unsaved.clear();
  }

  setWatermark(member: Member, field: "readSeq" | "deliveredSeq", seq: number): boolean {
    const value = Math.min(seq, this.lastSeq);
    if (value <= member[field]) return false;
    member[field] = value;
    this.sql.exec(`UPDATE members SET ${field === "readSeq" ? "read_seq" : "delivered_seq"} = ? WHERE user_id = ?`, value, member.userId);
    return true;
  }

  /** True when a history page would reach below what this object keeps (only after pruning). */
  pageReachesPruned(query: HistoryQuery): boolean {
    if (this.oldestKept <= 1) return false;
    if (query.after !== undefined) return query.after + 1 < this.oldestKept;
    const end = Math.min(query.before ?? this.lastSeq + 1, this.lastSeq + 1);
    return end - query.limit < this.oldestKept;
  }

  /**
   * Deletes up to `max` of the oldest messages that no one needs here any more: origin confirmed them, every
   * member's fan-out is past them, they are older than the idempotency window, and at least `keep` newer
   * messages remain (plus a page, so a page that starts in the pruned range lies wholly within what origin has).
   */
  prune(keep: number, olderThan: number, max: number): number {
    let through = Math.min(this.info!.originSeq - HISTORY_PAGE_MAX, this.lastSeq - keep);
    for (const m of this.members.values()) through = Math.min(through, m.fanoutSeq);
    const aged = this.sql.exec("SELECT MAX(seq) AS s FROM messages WHERE seq <= ? AND sent_at < ?", through, olderThan).one().s;
    through = Math.min(through, Number(aged ?? 0), this.oldestKept + max - 1);
    if (through < this.oldestKept) return 0;
    this.sql.exec("DELETE FROM messages WHERE seq <= ?", through);
    const pruned = through - this.oldestKept + 1;
    this.oldestKept = through + 1;
    return pruned;
  }

  /** Origin outbox: the messages origin has not yet confirmed. */
  unforwarded(limit: number): Message[] {
    return this.sql.exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", this.info!.originSeq, limit).toArray().map((row) => this.toMessage(row));
  }

  forwarded(throughSeq: number): void {
    this.info!.originSeq = throughSeq;
    this.sql.exec("UPDATE info SET origin_seq = ?", throughSeq);
  }

  private loadInfo(): Info | null {
    const row = this.sql.exec("SELECT * FROM info LIMIT 1").toArray()[0];
    if (!row) return null;
    return {
      id: String(row.id),
      kind: row.kind as ConversationKind,
      title: String(row.title),
      creator: String(row.creator),
      createdAt: Number(row.created_at),
      version: Number(row.version),
      originSeq: Number(row.origin_seq),
    };
  }
}

function toMember(row: Row): Member {
  return {
    userId: String(row.user_id),
    untilSeq: row.until_seq === null ? null : Number(row.until_seq),
    fanoutSeq: Number(row.fanout_seq),
    lentSeq: 0,
    lentAt: 0,
    infoVersion: Number(row.info_version),
    readSeq: Number(row.read_seq),
    deliveredSeq: Number(row.delivered_seq),
  };
}
