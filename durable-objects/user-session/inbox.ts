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

export class Inbox {
  latest: number;
  private readonly conversations = new Map<string, ConversationRow>();

  constructor(private readonly storage: DurableObjectStorage) {
    this.latest = Number(this.sql.exec("SELECT COALESCE(MAX(cursor), 0) AS c FROM inbox").one().c);
    for (const row of this.sql.exec("SELECT * FROM conversations")) {
      this.conversations.set(String(row.id), {
        view: {
          id: String(row.id), kind: row.kind as ConversationKind, title: String(row.title),
          members: JSON.parse(String(row.members)) as string[], createdAt: Number(row.created_at), active: row.active === 1,
        },
        inboxSeq: Number(row.inbox_seq), lastSeq: Number(row.last_seq), readSeq: Number(row.read_seq), deliveredSeq: Number(row.delivered_seq),
      });
    }
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /**
   * Applies one delivery: membership first, then every message not seen before. Returns the new entries, or
   * null when the conversation is unknown here and the delivery brought no info to make it known.
   */
  accept(delivery: Delivery): InboxEntry[] | null {
    return this.storage.transactionSync(() => {
      if (delivery.info) this.upsert(delivery.info);
      const row = this.conversations.get(delivery.conversationId);
      if (!row) return null;
      const fresh = delivery.messages.filter((m) => m.seq > row.inboxSeq);
      const entries = fresh.map((m) => this.append(delivery.conversationId, m));
      if (entries.length > 0) {
        row.inboxSeq = entries.at(-1)!.seq;
        row.lastSeq = Math.max(row.lastSeq, row.inboxSeq);
        this.sql.exec("UPDATE conversations SET inbox_seq = ?, last_seq = ? WHERE id = ?", row.inboxSeq, row.lastSeq, delivery.conversationId);
      }
      return entries;
    });
  }

  private append(conversationId: string, message: DeliveredMessage): InboxEntry {
    const cursor = ++this.latest;
    this.sql.exec("INSERT INTO inbox (cursor, conversation_id, seq, message) VALUES (?, ?, ?, ?)", cursor, conversationId, message.seq, message.json);
    return { cursor, conversationId, seq: message.seq, json: message.json };
  }

  private upsert(info: MemberView): void {
    const { lastSeq, ...view } = info;
    const row = this.conversations.get(info.id) ?? { view, inboxSeq: 0, lastSeq: 0, readSeq: 0, deliveredSeq: 0 };
    row.view = view;
    row.lastSeq = Math.max(row.lastSeq, lastSeq);
    this.conversations.set(info.id, row);
    this.sql.exec(
      `INSERT INTO conversations (id, kind, title, members, created_at, active, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, members = excluded.members, active = excluded.active, last_seq = excluded.last_seq`,
      info.id, info.kind, info.title, JSON.stringify(info.members), info.createdAt, info.active ? 1 : 0, row.lastSeq,
    );
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

  list(): ConversationSummary[] {
    return [...this.conversations.values()]
      .filter((row) => row.view.active)
      .map(({ view, lastSeq, readSeq }) => ({ id: view.id, kind: view.kind, title: view.title, members: view.members, lastSeq, readSeq }));
  }

  setReadSeq(conversationId: string, readSeq: number): void {
    const row = this.conversations.get(conversationId);
    if (!row || readSeq <= row.readSeq) return;
    row.readSeq = readSeq;
    this.sql.exec("UPDATE conversations SET read_seq = ? WHERE id = ?", readSeq, conversationId);
  }

  setDeliveredSeq(conversationId: string, seq: number): boolean {
    const row = this.conversations.get(conversationId);
    if (!row || seq <= row.deliveredSeq) return false;
    row.deliveredSeq = seq;
    this.sql.exec("UPDATE conversations SET delivered_seq = ? WHERE id = ?", seq, conversationId);
    return true;
  }
}
