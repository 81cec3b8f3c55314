/**
 * The Conversation's log and membership: SQLite is the truth, and the hot parts (info, members, last seq, recent
 * messages) are kept in memory, loaded once when the object starts and written through on every change.
 * Everything here is synchronous: a Durable Object runs one event at a time, so a method that does not await
 * is atomic, and `transactionSync` makes its writes commit together.
 */
import {
  HISTORY_PAGE_MAX,
  type ConversationInfo,
  type ConversationKind,
  type HistoryPage,
  type HistoryQuery,
  type Message,
  type SendResult,
} from "../../protocol/index.js";
import type { DeliveredMessage } from "../rpc.js";
import type { Sql, SqlRow as Row, SqlStore } from "../shared/sql.js";
import { MessageLog, type LogOptions } from "./message-log.js";
import { newMember, type Info, type Member } from "./model.js";
import { CONVERSATION_SCHEMA } from "./schema.js";

const RECENT_CACHE = 2048;
/** How far back a fresh instance looks for each member's newest own message (for receipts to senders). */
const OWN_SEQ_LOOKBACK = 1000;

export interface RecentMessage extends DeliveredMessage {
  senderId: string;
}

export class ConversationStore {
  info: Info | null;
  readonly members = new Map<string, Member>();
  /** Users who left this group by themselves: others may not add them back. */
  readonly departed = new Set<string>();
  private readonly log: MessageLog;
  private readonly recent = new Map<number, RecentMessage>();

  constructor(
    private readonly storage: SqlStore,
    log: LogOptions,
  ) {
    this.sql.exec(CONVERSATION_SCHEMA);
    this.info = this.loadInfo();
    for (const row of this.sql.exec("SELECT * FROM members")) this.members.set(String(row.user_id), toMember(row));
    for (const row of this.sql.exec("SELECT user_id FROM departed")) this.departed.add(String(row.user_id));
    this.log = new MessageLog(this.sql, log);
    this.loadOwnSeqs();
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  /** The oldest seq still in this object's history; older ones were pruned. */
  get oldestKept(): number {
    return this.log.oldestKept;
  }

  private get sql(): Sql {
    return this.storage.sql;
  }

  /** The conversation as the Worker answers for it. */
  view(): ConversationInfo {
    const info = this.info!;
    return {
      id: info.id,
      kind: info.kind,
      title: info.title,
      members: this.currentMembers(),
      createdAt: info.createdAt,
    };
  }

  /** A current member (not one who left or was removed), or undefined. */
  member(userId: string): Member | undefined {
    const m = this.members.get(userId);
    return m !== undefined && m.untilSeq === null ? m : undefined;
  }

  isMember(userId: string): boolean {
    return this.member(userId) !== undefined;
  }

  currentMembers(): string[] {
    return [...this.members.values()].filter((m) => m.untilSeq === null).map((m) => m.userId);
  }

  create(info: Omit<Info, "version">, members: string[]): void {
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO info (id, kind, title, creator, created_at, version) VALUES (?, ?, ?, ?, ?, 1)",
        info.id,
        info.kind,
        info.title,
        info.creator,
        info.createdAt,
      );
      for (const userId of members) this.join(userId);
    });
    this.info = { ...info, version: 1 };
  }

  /**
   * Adds and removes members in one transaction and bumps the version every member must be shown. `leaver` is
   * the caller when it removed itself: it is remembered as departed.
   */
  changeMembers(add: string[], remove: string[], leaver?: string): void {
    this.storage.transactionSync(() => {
      for (const userId of add) this.join(userId);
      for (const userId of remove) this.leave(userId);
      if (leaver !== undefined) this.sql.exec("INSERT OR IGNORE INTO departed (user_id) VALUES (?)", leaver);
      this.sql.exec("UPDATE info SET version = version + 1");
    });
    this.info!.version++;
    if (leaver !== undefined) this.departed.add(leaver);
  }

  private join(userId: string): void {
    const member = newMember(userId, this.lastSeq, { untilSeq: null, infoVersion: 0 });
    this.sql.exec("INSERT OR REPLACE INTO members (user_id, until_seq, info_version) VALUES (?, NULL, 0)", userId);
    this.members.set(userId, member);
  }

  private leave(userId: string): void {
    const member = this.members.get(userId);
    if (!member || member.untilSeq !== null) return;
    member.untilSeq = this.lastSeq;
    this.sql.exec("UPDATE members SET until_seq = ? WHERE user_id = ?", this.lastSeq, userId);
  }

  /** The member's session has the info of `version`; a member that left and was told is forgotten. */
  confirmInfo(member: Member, version: number): void {
    if (version <= member.infoVersion) return;
    member.infoVersion = version;
    if (member.untilSeq !== null && version >= this.info!.version) {
      this.members.delete(member.userId);
      this.sql.exec("DELETE FROM members WHERE user_id = ?", member.userId);
      return;
    }
    this.sql.exec("UPDATE members SET info_version = ? WHERE user_id = ?", version, member.userId);
  }

  /** Sequences a batch from one sender in order; a clientMsgId seen before returns its original seq. */
  append(senderId: string, items: { clientMsgId: string; body: string }[], now: number): SendResult[] {
    return this.appendFresh(senderId, items, now) ?? items.map((item) => this.appendOne(senderId, item, now));
  }

  /**
   * The common case in one statement: no clientMsgId of the batch was seen before (nor twice in it), so the batch
   * takes the next seqs in order. Null otherwise, and the caller goes message by message.
   */
  private appendFresh(
    senderId: string,
    items: { clientMsgId: string; body: string }[],
    now: number,
  ): SendResult[] | null {
    if (items.length > 1 && new Set(items.map((item) => item.clientMsgId)).size < items.length) return null;
    if (items.some((item) => this.log.sentBefore(senderId, item.clientMsgId, now))) return null;
    const first = this.lastSeq + 1;
    this.log.insert(senderId, items, now);
    return items.map(({ clientMsgId, body }, i) => {
      this.sequenced(first + i, senderId, clientMsgId, body, now);
      return { seq: first + i, sentAt: now, duplicate: false };
    });
  }

  /** One message; each insert is a statement of its own, committed with the others at the end of the event. */
  private appendOne(senderId: string, item: { clientMsgId: string; body: string }, now: number): SendResult {
    const prior = this.log.sentBefore(senderId, item.clientMsgId, now);
    if (prior) return { seq: prior.seq, sentAt: prior.sentAt, duplicate: true };
    this.log.insert(senderId, [item], now);
    this.sequenced(this.lastSeq, senderId, item.clientMsgId, item.body, now);
    return { seq: this.lastSeq, sentAt: now, duplicate: false };
  }

  private sequenced(seq: number, senderId: string, clientMsgId: string, body: string, now: number): void {
    const member = this.members.get(senderId);
    if (member) member.lastOwnSeq = seq;
    this.remember({
      seq,
      senderId,
      json: JSON.stringify({
        conversationId: this.info!.id,
        seq,
        senderId,
        clientMsgId,
        body,
        sentAt: now,
      } satisfies Message),
    });
  }

  private remember(message: RecentMessage): void {
    this.recent.set(message.seq, message);
    if (this.recent.size > RECENT_CACHE) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Messages after `afterSeq`, up to `untilSeq`, at most `limit`, pre-serialised; from memory when it has them. */
  messagesAfter(afterSeq: number, untilSeq: number, limit: number): RecentMessage[] {
    const last = Math.min(untilSeq, afterSeq + limit);
    const out: RecentMessage[] = [];
    for (let seq = Math.max(afterSeq, this.oldestKept - 1) + 1; seq <= last; seq++) {
      const message = this.recent.get(seq);
      if (message === undefined) return this.readMessages(afterSeq, last);
      out.push(message);
    }
    return out;
  }

  private readMessages(afterSeq: number, lastSeq: number): RecentMessage[] {
    return this.log.after(afterSeq, lastSeq - afterSeq).map((row) => ({
      seq: Number(row.seq),
      senderId: String(row.sender_id),
      json: JSON.stringify(this.toMessage(row)),
    }));
  }

  history(query: HistoryQuery): HistoryPage {
    const n = query.limit + 1;
    const rows =
      query.after !== undefined
        ? this.log.after(query.after, n)
        : this.log.before(query.before ?? Number.MAX_SAFE_INTEGER, n);
    const hasMore = rows.length === n;
    const page =
      query.after !== undefined
        ? rows.slice(0, query.limit)
        : rows.slice(rows.length - Math.min(rows.length, query.limit));
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

  /** True when a history page would reach below what this object keeps (only after pruning). */
  pageReachesPruned(query: HistoryQuery): boolean {
    if (this.oldestKept <= 1) return false;
    if (query.after !== undefined) return query.after + 1 < this.oldestKept;
    const end = Math.min(query.before ?? this.lastSeq + 1, this.lastSeq + 1);
    return end - query.limit < this.oldestKept;
  }

  /**
   * Drops the oldest generations beyond the newest `keep` messages, as long as they are older than the
   * idempotency window and at or below `confirmedSeq` (what origin has; without an origin, everything), at most
   * `max` generations. With an origin a page more is kept, so a page that starts in the pruned range lies wholly
   * within what origin has.
   */
  prune(keep: number, olderThan: number, max: number, confirmedSeq: number, margin: boolean): number {
    const through = Math.min(confirmedSeq - (margin ? HISTORY_PAGE_MAX : 0), this.lastSeq - keep);
    const pruned = this.log.drop(through, olderThan, max);
    for (const seq of this.recent.keys()) if (seq < this.oldestKept) this.recent.delete(seq);
    return pruned;
  }

  /** Origin outbox: the messages after `afterSeq` origin has not confirmed yet. */
  unforwarded(afterSeq: number, limit: number): Message[] {
    return this.log.after(afterSeq, limit).map((row) => this.toMessage(row));
  }

  /** Each member's newest own message among the recent ones: who is waiting for receipts after a restart. */
  private loadOwnSeqs(): void {
    for (const [senderId, seq] of this.log.newestBySender(this.lastSeq - OWN_SEQ_LOOKBACK)) {
      const member = this.members.get(senderId);
      if (member) member.lastOwnSeq = seq;
    }
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
    };
  }
}

function toMember(row: Row): Member {
  // Until member_state says otherwise (MemberStates.load), a member counts as live and up to date.
  return newMember(String(row.user_id), 0, {
    untilSeq: row.until_seq === null ? null : Number(row.until_seq),
    infoVersion: Number(row.info_version),
  });
}
