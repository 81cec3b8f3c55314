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
  type SystemEvent,
  type HistoryVisibility,
  type Role,
} from "../../protocol/index.js";
import type { DeliveredMessage, Outgoing, OutgoingAction, OutgoingMessage } from "../rpc.js";
import { addMissingColumns, type Sql, type SqlRow as Row, type SqlStore } from "../shared/sql.js";
import { actionOf, checkTarget, planAction, quoteOf, reactionsOf, type Entry, type StoredAction } from "./actions.js";
import { MessageLog, type LogOptions } from "./message-log.js";
import { isCurrent, newMember, type Info, type Member } from "./model.js";
import { ADDED_COLUMNS, CONVERSATION_SCHEMA } from "./schema.js";
import { SearchIndex } from "./search.js";

const RECENT_CACHE = 2048;
/** How far back a fresh instance looks for each member's newest own message (for receipts to senders). */
const OWN_SEQ_LOOKBACK = 1000;

export interface RecentMessage extends DeliveredMessage {
  senderId: string;
  /** The message an action acts on or a reply quotes: its JSON shows that message's text. */
  target?: number;
  /** A change of the group: pushed to its actor's session too (the actor's other devices learn of it so). */
  system?: true;
}

/** What the store needs of the configuration for actions. */
export interface ActionRules {
  editWindowMs: number;
}

export class ConversationStore {
  info: Info | null;
  readonly members = new Map<string, Member>();
  /** Users who left this group by themselves or declined its invite: others may not invite them again. */
  readonly departed = new Set<string>();
  /** `blocker blocked` pairs among the members (told by the blockers' sessions). */
  private readonly blocks = new Set<string>();
  private readonly log: MessageLog;
  private readonly search: SearchIndex;
  private readonly recent = new Map<number, RecentMessage>();

  constructor(
    private readonly storage: SqlStore,
    log: LogOptions,
  ) {
    this.sql.exec(CONVERSATION_SCHEMA);
    addColumns(this.sql);
    this.info = this.loadInfo();
    for (const row of this.sql.exec("SELECT * FROM members")) this.members.set(String(row.user_id), toMember(row));
    for (const row of this.sql.exec("SELECT user_id FROM departed")) this.departed.add(String(row.user_id));
    for (const row of this.sql.exec("SELECT blocker, blocked FROM blocks"))
      this.blocks.add(blockKey(String(row.blocker), String(row.blocked)));
    this.adoptCreatorAsAdmin();
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
      creator: info.creator,
      admins: this.withRole("admin"),
      invited: this.withRole("invited"),
      history: info.history,
    };
  }

  /** A current member (not one who left or was removed, nor only invited), or undefined. */
  member(userId: string): Member | undefined {
    const m = this.members.get(userId);
    return m !== undefined && isCurrent(m) ? m : undefined;
  }

  isMember(userId: string): boolean {
    return this.member(userId) !== undefined;
  }

  currentMembers(): string[] {
    return [...this.members.values()].filter(isCurrent).map((m) => m.userId);
  }

  /** Current members and pending invitees: everyone a change of the group is shown to. */
  present(): string[] {
    return [...this.members.values()].filter((m) => m.untilSeq === null).map((m) => m.userId);
  }

  /** Current members (or pending invitees) with this role. */
  withRole(role: Role): string[] {
    return [...this.members.values()].filter((m) => m.untilSeq === null && m.role === role).map((m) => m.userId);
  }

  /** The user's role while it is in the group or invited to it. */
  roleOf(userId: string): Role | undefined {
    const m = this.members.get(userId);
    return m !== undefined && m.untilSeq === null ? m.role : undefined;
  }

  /** The oldest seq `member` may see: after its joining, when the group shows new members no earlier history. */
  visibleFrom(member: Member): number {
    return this.info!.history === "joined" ? member.joinedSeq + 1 : 1;
  }

  hasBlocked(blocker: string, blocked: string): boolean {
    return this.blocks.has(blockKey(blocker, blocked));
  }

  /** Members whom `userId` blocked or who blocked it. */
  blockedWith(userId: string): Set<string> {
    const out = new Set<string>();
    for (const key of this.blocks) {
      const [blocker, blocked] = key.split(" ") as [string, string];
      if (blocker === userId) out.add(blocked);
      if (blocked === userId) out.add(blocker);
    }
    return out;
  }

  /** The blocker's session says it blocked (or unblocked) `blocked`; one row, none when nothing changed. */
  setBlock(blocker: string, blocked: string, on: boolean): boolean {
    const key = blockKey(blocker, blocked);
    if (this.blocks.has(key) === on) return false;
    if (on) {
      this.sql.exec("INSERT OR IGNORE INTO blocks (blocker, blocked) VALUES (?, ?)", blocker, blocked);
      this.blocks.add(key);
    } else {
      this.sql.exec("DELETE FROM blocks WHERE blocker = ? AND blocked = ?", blocker, blocked);
      this.blocks.delete(key);
    }
    return true;
  }

  /**
   * A new conversation: its creator (a group's first admin), the members added at once and the users invited. Its log
   * starts empty (the info says who is in it); the changes after this are its entries.
   */
  create(info: Omit<Info, "version" | "mutes">, added: string[], invited: string[]): void {
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO info (id, kind, title, creator, created_at, version, history, mutes) VALUES (?, ?, ?, ?, ?, 1, ?, 0)",
        info.id,
        info.kind,
        info.title,
        info.creator,
        info.createdAt,
        info.history,
      );
      this.info = { ...info, version: 1, mutes: 0 };
      const group = info.kind === "group";
      this.join(info.creator, group ? "admin" : "member", 0);
      for (const userId of added) if (userId !== info.creator) this.join(userId, "member", 0);
      for (const userId of invited) this.invite(userId, info.creator);
    });
  }

  /**
   * Applies a planned change of the group (membership.ts) in one transaction, each kind of change an entry of the
   * log, and bumps the version every member and invitee must be shown.
   */
  changeMembers(actor: string, change: AppliedChange, now: number): void {
    this.storage.transactionSync(() => {
      for (const userId of change.added) this.join(userId, "member", this.lastSeq);
      if (change.added.length > 0) this.appendSystem(actor, { kind: "added", users: change.added }, now);
      for (const userId of change.invited) this.invite(userId, actor);
      if (change.invited.length > 0) this.appendSystem(actor, { kind: "invited", users: change.invited }, now);
      for (const userId of change.remove) this.leave(userId);
      const removed = change.remove.filter((u) => u !== actor);
      if (removed.length > 0) this.appendSystem(actor, { kind: "removed", users: removed }, now);
      if (change.remove.includes(actor)) {
        this.depart(actor);
        this.appendSystem(actor, { kind: "left" }, now);
      }
      this.setRoles(actor, change.promote, "admin", now);
      this.setRoles(actor, change.demote, "member", now);
      this.keepAnAdmin(actor, now);
      this.bumpVersion();
    });
  }

  /** An invitee accepts (a member from the next seq on) or declines (it may not be invited again). */
  answerInvite(userId: string, accept: boolean, now: number): void {
    this.storage.transactionSync(() => {
      const member = this.members.get(userId)!;
      if (accept) {
        Object.assign(member, { role: "member", joinedSeq: this.lastSeq, deliveredSeq: this.lastSeq });
        Object.assign(member, { readSeq: this.lastSeq, pushedSeq: this.lastSeq });
        this.sql.exec("UPDATE members SET role = 'member', joined_seq = ? WHERE user_id = ?", this.lastSeq, userId);
        this.appendSystem(userId, { kind: "joined" }, now);
      } else {
        this.leave(userId);
        this.depart(userId);
        this.appendSystem(userId, { kind: "declined" }, now);
      }
      this.bumpVersion();
    });
  }

  /** An admin renames the group or sets what new members see. */
  changeSettings(actor: string, settings: { title?: string; history?: HistoryVisibility }, now: number): boolean {
    const info = this.info!;
    const title = settings.title !== undefined && settings.title !== info.title ? settings.title : undefined;
    const history = settings.history !== undefined && settings.history !== info.history ? settings.history : undefined;
    if (title === undefined && history === undefined) return false;
    this.storage.transactionSync(() => {
      if (title !== undefined) {
        this.sql.exec("UPDATE info SET title = ?", title);
        info.title = title;
        this.appendSystem(actor, { kind: "renamed", title }, now);
      }
      if (history !== undefined) {
        this.sql.exec("UPDATE info SET history = ?", history);
        info.history = history;
        this.appendSystem(actor, { kind: "history", history }, now);
      }
      this.bumpVersion();
    });
    return true;
  }

  /**
   * A member mutes the conversation until `until` (null: unmutes). Only its own session is shown the change; origin
   * is sent the members again (their mutes with them).
   */
  mute(member: Member, until: number | null): void {
    this.storage.transactionSync(() => {
      this.sql.exec("UPDATE members SET muted_until = ? WHERE user_id = ?", until, member.userId);
      this.sql.exec("UPDATE info SET mutes = mutes + 1");
    });
    member.mutedUntil = until;
    member.infoVersion = 0;
    this.info!.mutes++;
  }

  /** The members' mutes that have not ended, for origin's push. */
  mutedNow(now: number): Record<string, number> {
    const muted: Record<string, number> = {};
    for (const m of this.members.values())
      if (isCurrent(m) && m.mutedUntil !== null && m.mutedUntil > now) muted[m.userId] = m.mutedUntil;
    return muted;
  }

  private bumpVersion(): void {
    this.sql.exec("UPDATE info SET version = version + 1");
    this.info!.version++;
  }

  private setRoles(actor: string, users: string[], role: Role, now: number): void {
    const changed = users.filter((u) => this.member(u) !== undefined && this.member(u)!.role !== role);
    for (const userId of changed) {
      this.members.get(userId)!.role = role;
      this.sql.exec("UPDATE members SET role = ? WHERE user_id = ?", role, userId);
    }
    if (changed.length > 0)
      this.appendSystem(actor, { kind: role === "admin" ? "promoted" : "demoted", users: changed }, now);
  }

  /** A group whose last admin left gets one: its longest-standing member (the first in the table). */
  private keepAnAdmin(actor: string, now: number): void {
    if (this.info!.kind !== "group" || this.withRole("admin").length > 0) return;
    const next = this.currentMembers()[0];
    if (next !== undefined) this.setRoles(actor, [next], "admin", now);
  }

  /** Groups from before roles: the creator, if still a member, is their admin. */
  private adoptCreatorAsAdmin(): void {
    const info = this.info;
    if (!info || info.kind !== "group" || this.withRole("admin").length > 0) return;
    const creator = this.member(info.creator);
    if (!creator) return;
    creator.role = "admin";
    this.sql.exec("UPDATE members SET role = 'admin' WHERE user_id = ?", creator.userId);
  }

  private join(userId: string, role: Role, joinedSeq: number): void {
    const fields = { untilSeq: null, infoVersion: 0, role, invitedBy: null, joinedSeq, mutedUntil: null };
    this.sql.exec(
      "INSERT OR REPLACE INTO members (user_id, until_seq, info_version, role, invited_by, joined_seq) VALUES (?, NULL, 0, ?, NULL, ?)",
      userId,
      role,
      joinedSeq,
    );
    this.members.set(userId, newMember(userId, this.lastSeq, fields));
  }

  private invite(userId: string, by: string): void {
    const fields = { untilSeq: null, infoVersion: 0, role: "invited" as const, invitedBy: by, joinedSeq: 0 };
    this.sql.exec(
      "INSERT OR REPLACE INTO members (user_id, until_seq, info_version, role, invited_by, joined_seq) VALUES (?, NULL, 0, 'invited', ?, 0)",
      userId,
      by,
    );
    this.members.set(userId, newMember(userId, this.lastSeq, { ...fields, mutedUntil: null }));
  }

  private leave(userId: string): void {
    const member = this.members.get(userId);
    if (!member || member.untilSeq !== null) return;
    member.untilSeq = this.lastSeq;
    this.sql.exec("UPDATE members SET until_seq = ? WHERE user_id = ?", this.lastSeq, userId);
  }

  private depart(userId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO departed (user_id) VALUES (?)", userId);
    this.departed.add(userId);
  }

  /** A change of the group as the next entry of the log. */
  private appendSystem(actor: string, event: SystemEvent, now: number): void {
    const seq = this.log.insertSystem(actor, JSON.stringify(event), now);
    const message: Message = {
      conversationId: this.info!.id,
      seq,
      senderId: actor,
      clientMsgId: `system-${seq}`,
      body: "",
      sentAt: now,
      system: event,
    };
    this.remember({ seq, senderId: actor, system: true, json: JSON.stringify(message) });
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
    const admin = this.roleOf(senderId) === "admin";
    const context = { actor: senderId, now, editWindowMs: rules.editWindowMs, kind: info.kind, admin };
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
      ...(row.system ? { system: true as const } : {}),
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
    if (row.system) {
      message.system = JSON.parse(String(row.system)) as SystemEvent;
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
      history: String(row.history) as HistoryVisibility,
      mutes: Number(row.mutes),
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
    system: Boolean(row.system),
  };
}

function toMember(row: Row): Member {
  // Until member_state says otherwise (MemberStates.load), a member counts as live and up to date.
  return newMember(String(row.user_id), 0, {
    untilSeq: row.until_seq === null ? null : Number(row.until_seq),
    infoVersion: Number(row.info_version),
    role: String(row.role) as Role,
    invitedBy: row.invited_by === null ? null : String(row.invited_by),
    joinedSeq: Number(row.joined_seq),
    mutedUntil: row.muted_until === null ? null : Number(row.muted_until),
  });
}

/** What a change of the group does, as planned (membership.ts) and answered by the sessions of those added. */
export interface AppliedChange {
  added: string[];
  invited: string[];
  remove: string[];
  promote: string[];
  demote: string[];
}

function blockKey(blocker: string, blocked: string): string {
  return `${blocker} ${blocked}`;
}

/** Tables created before a column existed get it. */
function addColumns(sql: Sql): void {
  for (const [table, columns] of Object.entries(ADDED_COLUMNS)) addMissingColumns(sql, table, columns);
}
