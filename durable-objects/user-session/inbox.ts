/**
 * The user's inbox and conversation list. Synchronous on purpose: a delivery is deduped, given cursors and
 * written in one step that no other event can interleave with.
 */
import type { ConversationKind, ConversationSummary } from "../../protocol/index.js";
import type { DeliveredMessage, Delivery, MemberView } from "../shared/delivery.js";

interface ConversationRow {
  view: Omit<MemberView, "lastSeq">;
  inboxSeq: number;
  lastSeq: number;
  readSeq: number;
  deliveredSeq: number;
}

export interface InboxEntry {
  cursor: number;
  conversationId: string;
  seq: number;
  json: string;
}

/**
 * `conversations.inbox_seq` and `last_seq` are written every this many cursors, not with every delivery:
 * on start the inbox rows after the last save tell the rest (see recoverSeqs).
 */
const SEQS_SAVE_EVERY = 256;

export class Inbox {
  latest: number;
  /**
   * Conversation rows read so far, by id, when first needed. Not all on wake: a session wakes for one
   * delivery or one reconnect, and reading every row (member lists included) cost a user in 300 groups
   * ~5 ms of CPU per wake in local workerd.
   */
  private readonly rows = new Map<string, ConversationRow>();
  /** Conversations whose inbox_seq moved since the last save. */
  private readonly unsaved = new Set<string>();
  /** The cursor the last save covered: rows after it are what recoverSeqs reads on start. */
  private savedThrough: number;

  constructor(private readonly storage: DurableObjectStorage) {
    this.latest = Number(this.sql.exec("SELECT COALESCE(MAX(cursor), 0) AS c FROM inbox").one().c);
    this.savedThrough = Number(this.sql.exec("SELECT COALESCE(MAX(value), 0) AS v FROM meta WHERE key = 'seqs_saved_through'").one().v);
    this.recoverSeqs();
  }

  /** The entries written after the last save of the seqs: at most SEQS_SAVE_EVERY (plus one delivery) rows. */
  private recoverSeqs(): void {
    const rows = this.sql.exec("SELECT conversation_id, MAX(seq) AS seq FROM inbox WHERE cursor > ? GROUP BY conversation_id", this.savedThrough).toArray();
    for (const { conversation_id: id, seq } of rows) {
      const row = this.row(String(id));
      if (row) this.advance(String(id), row, Number(seq));
    }
  }

  /** The conversation's row, read from SQLite the first time it is asked for. */
  private row(conversationId: string): ConversationRow | undefined {
    const cached = this.rows.get(conversationId);
    if (cached) return cached;
    const stored = this.sql.exec("SELECT * FROM conversations WHERE id = ?", conversationId).toArray()[0];
    if (!stored) return undefined;
    const row = rowOf(stored);
    this.rows.set(conversationId, row);
    return row;
  }

  private advance(conversationId: string, row: ConversationRow, seq: number): void {
    if (seq <= row.inboxSeq) return;
    row.inboxSeq = seq;
    row.lastSeq = Math.max(row.lastSeq, seq);
    this.unsaved.add(conversationId);
  }

  private saveSeqs(): void {
    for (const id of this.unsaved) {
      const row = this.rows.get(id)!;
      this.sql.exec("UPDATE conversations SET inbox_seq = ?, last_seq = ? WHERE id = ?", row.inboxSeq, row.lastSeq, id);
    }
    this.unsaved.clear();
    this.savedThrough = this.latest;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('seqs_saved_through', ?)", this.latest);
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /**
   * Applies one delivery: membership first, then every message not seen before. Returns the new entries, or
   * null when the conversation is unknown here and the delivery brought no info to make it known, or how far
   * this inbox goes when the delivery assumed more (see Delivery.after).
   */
  accept(delivery: Delivery): InboxEntry[] | null | { behind: number } {
    // No transactionSync: the entries are one statement, memory moves only after it succeeded, and the info
    // upsert before it is idempotent. The event's writes commit together (or not at all in a crash).
    if (delivery.info) this.upsert(delivery.info);
    const row = this.row(delivery.conversationId);
    if (!row) return null;
    if (delivery.after !== undefined && row.inboxSeq < delivery.after) return { behind: row.inboxSeq };
    const fresh = delivery.messages.filter((m) => m.seq > row.inboxSeq);
    const entries = this.append(delivery.conversationId, fresh);
    if (entries.length > 0) this.advance(delivery.conversationId, row, entries.at(-1)!.seq);
    if (this.latest - this.savedThrough >= SEQS_SAVE_EVERY) this.saveSeqs();
    return entries;
  }

  /** Gives contiguous seqs the next cursors, in one statement per delivery (SQLite walks the JSON array). */
  private append(conversationId: string, messages: DeliveredMessage[]): InboxEntry[] {
    if (messages.length === 0) return [];
    if (messages.at(-1)!.seq - messages[0]!.seq !== messages.length - 1) throw new Error(`delivery of ${conversationId} is not contiguous`);
    const first = this.latest + 1;
    this.sql.exec(
      "INSERT INTO inbox (cursor, conversation_id, seq, message) SELECT ? + key, ?, ? + key, value FROM json_each(?)",
      first, conversationId, messages[0]!.seq, JSON.stringify(messages.map((m) => m.json)),
    );
    this.latest += messages.length;
    return messages.map((m, i) => ({ cursor: first + i, conversationId, seq: m.seq, json: m.json }));
  }

  private upsert(info: MemberView): void {
    const { lastSeq, ...view } = info;
    const row = this.row(info.id) ?? { view, inboxSeq: 0, lastSeq: 0, readSeq: 0, deliveredSeq: 0 };
    row.view = view;
    row.lastSeq = Math.max(row.lastSeq, lastSeq);
    this.rows.set(info.id, row);
    this.sql.exec(
      `INSERT INTO conversations (id, kind, title, members, created_at, active, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, members = excluded.members, active = excluded.active, last_seq = excluded.last_seq`,
      info.id, info.kind, info.title, JSON.stringify(info.members), info.createdAt, info.active ? 1 : 0, row.lastSeq,
    );
  }

  /** The members of a conversation this user is in; undefined when it is not listed here (or the user left it). */
  membersOf(conversationId: string): string[] | undefined {
    const row = this.row(conversationId);
    return row?.view.active ? row.view.members : undefined;
  }

  /** Which of `users` share a conversation with this user (one query; member lists stay in SQLite). */
  contacts(users: string[]): Set<string> {
    const rows = this.sql.exec(
      "SELECT DISTINCT m.value AS user FROM conversations c, json_each(c.members) m WHERE c.active = 1 AND m.value IN (SELECT value FROM json_each(?))",
      JSON.stringify(users),
    );
    return new Set([...rows].map((r) => String(r.user)));
  }

  /** The highest seq of the conversation in this inbox (undefined when the conversation is unknown here). */
  seqOf(conversationId: string): number | undefined {
    return this.row(conversationId)?.inboxSeq;
  }

  /** Entries after `after`, oldest first. */
  page(after: number, limit: number): InboxEntry[] {
    return this.sql
      .exec("SELECT cursor, conversation_id, seq, message FROM inbox WHERE cursor > ? ORDER BY cursor LIMIT ?", after, limit)
      .toArray()
      .map((r) => ({ cursor: Number(r.cursor), conversationId: String(r.conversation_id), seq: Number(r.seq), json: String(r.message) }));
  }

  /** For each conversation, the highest seq among entries in (from, to]. */
  highestSeqs(from: number, to: number): Map<string, number> {
    const rows = this.sql.exec("SELECT conversation_id, MAX(seq) AS seq FROM inbox WHERE cursor > ? AND cursor <= ? GROUP BY conversation_id", from, to);
    return new Map([...rows].map((r) => [String(r.conversation_id), Number(r.seq)]));
  }

  /** Every active conversation; rows read before win, since their seqs may be newer than the stored ones. */
  list(): ConversationSummary[] {
    return this.sql
      .exec("SELECT * FROM conversations WHERE active = 1")
      .toArray()
      .map((stored) => this.rows.get(String(stored.id)) ?? rowOf(stored))
      .map(({ view, lastSeq, readSeq }) => ({ id: view.id, kind: view.kind, title: view.title, members: view.members, lastSeq, readSeq }));
  }

  setReadSeq(conversationId: string, readSeq: number): void {
    const row = this.row(conversationId);
    if (!row || readSeq <= row.readSeq) return;
    row.readSeq = readSeq;
    this.sql.exec("UPDATE conversations SET read_seq = ? WHERE id = ?", readSeq, conversationId);
  }

  setDeliveredSeq(conversationId: string, seq: number): boolean {
    const row = this.row(conversationId);
    if (!row || seq <= row.deliveredSeq) return false;
    row.deliveredSeq = seq;
    this.sql.exec("UPDATE conversations SET delivered_seq = ? WHERE id = ?", seq, conversationId);
    return true;
  }
}

function rowOf(stored: Record<string, SqlStorageValue>): ConversationRow {
  return {
    view: {
      id: String(stored.id), kind: stored.kind as ConversationKind, title: String(stored.title),
      members: JSON.parse(String(stored.members)) as string[], createdAt: Number(stored.created_at), active: stored.active === 1,
    },
    inboxSeq: Number(stored.inbox_seq), lastSeq: Number(stored.last_seq), readSeq: Number(stored.read_seq), deliveredSeq: Number(stored.delivered_seq),
  };
}
