/**
 * The Conversation's log and membership: SQLite is the truth, and the hot parts (info, members, last seq, recent
 * messages) are kept in memory, loaded once when the object starts and written through on every change.
 * Everything here is synchronous: a Durable Object runs one event at a time, so a method that does not await
 * is atomic, and `transactionSync` makes its writes commit together.
 */
import {
  fail,
  HISTORY_PAGE_MAX,
  ok,
  type Attachment,
  type ConversationInfo,
  type ConversationKind,
  type HistoryPage,
  type HistoryQuery,
  type Message,
  type Result,
  type SearchPage,
  type SearchQuery,
  type SendResult,
} from "../../protocol/index.js";
import type { DeliveredMessage, Outgoing, OutgoingAction, OutgoingMessage } from "../rpc.js";
import type { Sql, SqlRow as Row, SqlStore } from "../shared/sql.js";
import { actionOf, checkTarget, planAction, quoteOf, reactionsOf, type Entry, type StoredAction } from "./actions.js";
import { MessageLog, type LogOptions } from "./message-log.js";
import { newMember, type Info, type Member } from "./model.js";
import { CONVERSATION_SCHEMA } from "./schema.js";
import { SearchIndex } from "./search.js";

const RECENT_CACHE = 2048;
/** How far back a fresh instance looks for each member's newest own message (for receipts to senders). */
const OWN_SEQ_LOOKBACK = 1000;

export interface RecentMessage extends DeliveredMessage {
  senderId: string;
  /** The message an action acts on or a reply quotes: its JSON shows that message's text. */
  target?: number;
}

/** What the store needs of the configuration for actions. */
export interface ActionRules {
  editWindowMs: number;
}

export class ConversationStore {
  info: Info | null;
  readonly members = new Map<string, Member>();
  /** Users who left this group by themselves: others may not add them back. */
  readonly departed = new Set<string>();
  private readonly log: MessageLog;
  private readonly search: SearchIndex;
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
    this.search = new SearchIndex(this.sql, this.log);
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

  /**
   * Sequences a batch from one sender in order, each item answered on its own: its seq, the original seq of a
   * clientMsgId seen before, or why an action or a reply was refused (nothing written for it).
   */
  append(senderId: string, items: Outgoing[], now: number, rules: ActionRules): Result<SendResult>[] {
    return this.appendFresh(senderId, items, now) ?? items.map((item) => this.appendOne(senderId, item, now, rules));
  }

  /**
   * The common case in one statement: plain messages (replies to messages kept here included), none seen before (nor
   * twice in the batch), take the next seqs in order. Null otherwise, and the caller goes item by item.
   */
  private appendFresh(senderId: string, items: Outgoing[], now: number): Result<SendResult>[] | null {
    const messages: OutgoingMessage[] = [];
    for (const item of items) {
      if ("action" in item) return null;
      if (item.replyTo !== undefined && !this.replyTarget(item.replyTo).ok) return null;
      messages.push(item);
    }
    if (items.length > 1 && new Set(items.map((item) => item.clientMsgId)).size < items.length) return null;
    if (items.some((item) => this.log.sentBefore(senderId, item.clientMsgId, now))) return null;
    const first = this.lastSeq + 1;
    this.log.insert(senderId, messages, now);
    return messages.map((item, i) => ok(this.sequenced(first + i, senderId, item, now)));
  }

  /** One item; each insert is a statement of its own, committed with the others at the end of the event. */
  private appendOne(senderId: string, item: Outgoing, now: number, rules: ActionRules): Result<SendResult> {
    const prior = this.log.sentBefore(senderId, item.clientMsgId, now);
    if (prior) return ok(this.duplicate(prior.seq));
    if ("action" in item) return this.act(senderId, item, now, rules);
    if (item.replyTo !== undefined) {
      const target = this.replyTarget(item.replyTo);
      if (!target.ok) return target;
    }
    this.log.insert(senderId, [item], now);
    return ok(this.sequenced(this.lastSeq, senderId, item, now));
  }

  /** The answer to a retry: the original seq, and what the original answer said of its quote or action. */
  private duplicate(seq: number): SendResult {
    const { sentAt, replyTo, action, attachments } = this.toMessage(this.log.get(seq)!);
    return {
      seq,
      sentAt,
      duplicate: true,
      ...(replyTo ? { replyTo } : {}),
      ...(action ? { action } : {}),
      ...(attachments ? { attachments } : {}),
    };
  }

  /** A reply quotes a message at or before the newest (one older than what is kept here cannot be checked). */
  private replyTarget(seq: number): Result<null> {
    if (seq > this.lastSeq) return fail("not_found", `no message ${seq} in this conversation`);
    if (seq < this.oldestKept) return ok(null);
    const target = checkTarget(this.entry(seq), seq);
    return target.ok ? ok(null) : target;
  }

  /** An action: its own entry, and its effect on the target's row (and on the search index, if there is one). */
  private act(senderId: string, item: OutgoingAction, now: number, rules: ActionRules): Result<SendResult> {
    const target = checkTarget(this.entry(item.action.seq), item.action.seq);
    if (!target.ok) return target;
    const info = this.info!;
    const context = { actor: senderId, now, editWindowMs: rules.editWindowMs, kind: info.kind, creator: info.creator };
    const plan = planAction(target.value, item.action, context);
    if (!plan.ok) return plan;
    const { state, detail } = plan.value;
    if (detail.kind === "delete") this.unlink(state.seq);
    const seq = this.log.insertAction(senderId, item.clientMsgId, JSON.stringify(detail), now);
    this.log.update(state.seq, {
      body: state.body,
      editedAt: state.editedAt,
      deleted: state.deleted,
      reactions: state.reactions.length > 0 ? JSON.stringify(state.reactions) : null,
    });
    if (detail.kind !== "react") this.search.changed(state.seq, state.deleted ? null : state.body);
    if (detail.kind === "delete") this.forgetBody(state.seq);
    const member = this.members.get(senderId);
    if (member) member.lastOwnSeq = seq;
    const entry: Message = {
      conversationId: info.id,
      seq,
      senderId,
      clientMsgId: item.clientMsgId,
      body: "",
      sentAt: now,
      action: actionOf(detail, state),
    };
    this.remember({ seq, senderId, target: state.seq, json: JSON.stringify(entry) });
    return ok({ seq, sentAt: now, duplicate: false, action: entry.action! });
  }

  /**
   * The attachments of the message at `seq`, deleted for everyone, are listed for their bytes to be deleted from R2,
   * in the same transaction as the delete: a crash before R2 is reached leaves them listed, never forgotten.
   */
  private unlink(seq: number): void {
    const stored = this.log.get(seq)?.attachments;
    if (!stored) return;
    for (const { id } of JSON.parse(String(stored)) as Attachment[])
      this.sql.exec("INSERT OR IGNORE INTO attachment_deletes (id) VALUES (?)", id);
  }

  /** A deleted message's text leaves memory too: its cached entry, the edits of it, and quotes of it. */
  private forgetBody(seq: number): void {
    for (const [key, cached] of this.recent) if (key === seq || cached.target === seq) this.recent.delete(key);
  }

  /** The kept entry at `seq`, as actions see it. */
  entry(seq: number): Entry | undefined {
    const row = this.log.get(seq);
    return row ? entryOf(row) : undefined;
  }

  /** A message just inserted: remembered for pushes, and answered (with its quote, for a reply). */
  private sequenced(seq: number, senderId: string, item: OutgoingMessage, now: number): SendResult {
    const member = this.members.get(senderId);
    if (member) member.lastOwnSeq = seq;
    const message: Message = {
      conversationId: this.info!.id,
      seq,
      senderId,
      clientMsgId: item.clientMsgId,
      body: item.body,
      sentAt: now,
    };
    if (item.replyTo !== undefined) message.replyTo = quoteOf(item.replyTo, this.entry(item.replyTo));
    if (item.attachments) message.attachments = item.attachments;
    this.remember({
      seq,
      senderId,
      ...(item.replyTo !== undefined ? { target: item.replyTo } : {}),
      json: JSON.stringify(message),
    });
    const result: SendResult = { seq, sentAt: now, duplicate: false };
    if (message.replyTo) result.replyTo = message.replyTo;
    if (message.attachments) result.attachments = message.attachments;
    return result;
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

  /** A page of messages (actions left out: their effect is in the messages' state). */
  history(query: HistoryQuery): HistoryPage {
    const n = query.limit + 1;
    const rows =
      query.after !== undefined
        ? this.log.after(query.after, n, true)
        : this.log.before(query.before ?? Number.MAX_SAFE_INTEGER, n, true);
    const hasMore = rows.length === n;
    const page =
      query.after !== undefined
        ? rows.slice(0, query.limit)
        : rows.slice(rows.length - Math.min(rows.length, query.limit));
    return { messages: page.map((row) => this.toMessage(row)), hasMore };
  }

  /** A log entry as devices see it: a message in its current state, or an action with its target's. */
  private toMessage(row: Row): Message {
    const entry = entryOf(row);
    const message: Message = {
      conversationId: this.info!.id,
      seq: entry.seq,
      senderId: entry.senderId,
      clientMsgId: String(row.client_msg_id),
      body: entry.body,
      sentAt: entry.sentAt,
    };
    if (entry.action) {
      message.action = actionOf(entry.action, this.entry(entry.action.target));
      return message;
    }
    if (row.reply_to !== null && row.reply_to !== undefined) {
      const quoted = Number(row.reply_to);
      message.replyTo = quoteOf(quoted, this.entry(quoted));
    }
    if (entry.editedAt !== null) message.editedAt = entry.editedAt;
    if (entry.deleted) message.deleted = true;
    const reactions = reactionsOf(entry);
    if (reactions) message.reactions = reactions;
    if (row.attachments) message.attachments = JSON.parse(String(row.attachments)) as Attachment[];
    return message;
  }

  /** Messages matching the query's words, newest first, in their current state. */
  searchMessages(query: SearchQuery): SearchPage {
    const seqs = this.search.find(query);
    const hasMore = seqs.length > query.limit;
    const messages = seqs
      .slice(0, query.limit)
      .map((seq) => this.log.get(seq))
      .filter((row): row is Row => row !== undefined)
      .map((row) => this.toMessage(row));
    return { messages, hasMore };
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
    if (pruned > 0) this.search.pruned(this.oldestKept);
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

function entryOf(row: Row): Entry {
  return {
    seq: Number(row.seq),
    senderId: String(row.sender_id),
    sentAt: Number(row.sent_at),
    body: String(row.body),
    editedAt: row.edited_at === null || row.edited_at === undefined ? null : Number(row.edited_at),
    deleted: Number(row.deleted ?? 0) === 1,
    reactions: row.reactions ? (JSON.parse(String(row.reactions)) as Entry["reactions"]) : [],
    action: row.action ? (JSON.parse(String(row.action)) as StoredAction) : null,
  };
}

function toMember(row: Row): Member {
  // Until member_state says otherwise (MemberStates.load), a member counts as live and up to date.
  return newMember(String(row.user_id), 0, {
    untilSeq: row.until_seq === null ? null : Number(row.until_seq),
    infoVersion: Number(row.info_version),
  });
}
