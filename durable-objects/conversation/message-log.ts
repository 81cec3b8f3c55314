/**
 * The conversation's messages, in generations: tables `messages_<first seq>`, each holding the consecutive seqs
 * from its first to the next generation's first. Retention drops whole generations, because a `DROP TABLE` writes
 * no billed rows where deleting messages one by one bills a row each: pruning costs nothing per message, and
 * starting a generation writes a schema row or two for thousands of messages.
 *
 * A message is one row written and nothing else: no index. Idempotency (a retried clientMsgId gets its original
 * seq) is kept in memory for the messages sent within the window (sent-ids.ts), rebuilt from the log the first time
 * a send needs it after the object starts (rows read, which cost a thousandth of a row written). A unique index on
 * (sender, clientMsgId) would write a second row per message, half of what a message costs. The memory is exact: the
 * object runs one event at a time, and it changes in the same synchronous step as the insert it mirrors.
 *
 * Actions (edit, delete, react) are entries of the log too (`action` holds what and on which seq, the body is empty),
 * and their effect is kept on the target's row (`body`, `edited_at`, `deleted`, `reactions`): an action writes two
 * rows, and a page of messages needs no replay.
 */
import type { OutgoingMessage } from "../rpc.js";
import { addMissingColumns, type Sql, type SqlRow as Row } from "../shared/sql.js";
import { SentIds } from "./sent-ids.js";

export interface LogOptions {
  /** Messages a generation holds before the next one may start. */
  generationSize: number;
  /** How long a clientMsgId is remembered. */
  rememberMs: number;
}

export interface SentBefore {
  seq: number;
  sentAt: number;
}

interface Generation {
  first: number;
  /** When its first and its newest message were sent (0 while it has none). */
  startedAt: number;
  lastSentAt: number;
}

export class MessageLog {
  /** Oldest first; never empty. */
  private readonly generations: Generation[];
  lastSeq: number;
  /** The clientMsgIds sent within `rememberMs`; null until a send first needs them. */
  private sent: SentIds | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly options: LogOptions,
  ) {
    this.generations = this.sql
      .exec("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name GLOB 'messages_[0-9]*'")
      .toArray()
      .map((row) => ({ first: Number(String(row.name).slice("messages_".length)), schema: String(row.sql) }))
      .sort((a, b) => a.first - b.first)
      .map(({ first, schema }) => this.loadGeneration(first, schema));
    if (this.generations.length === 0) this.create(1);
    this.dropLegacyIndexes();
    const newest = this.newest;
    const last = this.sql.exec(`SELECT MAX(seq) AS s FROM ${table(newest.first)}`).one().s;
    // An empty newest generation was started for the seq after the last one (a crash before its first insert).
    this.lastSeq = last === null ? newest.first - 1 : Number(last);
  }

  /** The oldest seq kept; older ones were pruned. */
  get oldestKept(): number {
    return this.generations[0]!.first;
  }

  /**
   * Inserts a sender's messages as the seqs after the last one, in one statement. The caller has made sure with
   * `sentBefore` that none of them was sent before (nor twice in `items`).
   */
  insert(senderId: string, items: OutgoingMessage[], now: number): void {
    const sent = this.sentIds(now);
    const first = this.lastSeq + 1;
    this.makeRoomFor(first, now);
    this.sql.exec(
      `INSERT INTO ${table(this.newest.first)} (seq, sender_id, client_msg_id, body, sent_at, reply_to, attachments) SELECT ? + key, ?, value ->> 0, value ->> 1, ?, value ->> 2, value ->> 3 FROM json_each(?)`,
      first,
      senderId,
      now,
      JSON.stringify(
        items.map((item) => [
          item.clientMsgId,
          item.body,
          item.replyTo ?? null,
          item.attachments ? JSON.stringify(item.attachments) : null,
        ]),
      ),
    );
    items.forEach((item, i) => sent.add(senderId, item.clientMsgId, first + i, now));
    this.lastSeq = first + items.length - 1;
    this.newest.startedAt ||= now;
    this.newest.lastSentAt = now;
  }

  /**
   * Where the sender's `clientMsgId` was sequenced, if it was sent within the idempotency window (or a little longer,
   * see SentIds) and is still kept; a retry of a pruned message is a new message.
   */
  sentBefore(senderId: string, clientMsgId: string, now: number): SentBefore | null {
    const seq = this.sentIds(now).get(senderId, clientMsgId);
    if (seq === undefined || seq < this.oldestKept) return null;
    const row = this.sql
      .exec(`SELECT sent_at FROM ${table(this.generations[this.generationOf(seq)]!.first)} WHERE seq = ?`, seq)
      .toArray()[0];
    return row ? { seq, sentAt: Number(row.sent_at) } : null;
  }

  /**
   * Inserts one action on `target` as the next seq (`detail`: the action's JSON, see store.ts). The caller checked
   * the clientMsgId like insert's.
   */
  insertAction(senderId: string, clientMsgId: string, detail: string, now: number): number {
    const sent = this.sentIds(now);
    const seq = this.lastSeq + 1;
    this.makeRoomFor(seq, now);
    this.sql.exec(
      `INSERT INTO ${table(this.newest.first)} (seq, sender_id, client_msg_id, body, sent_at, action) VALUES (?, ?, ?, '', ?, ?)`,
      seq,
      senderId,
      clientMsgId,
      now,
      detail,
    );
    sent.add(senderId, clientMsgId, seq, now);
    this.lastSeq = seq;
    this.newest.startedAt ||= now;
    this.newest.lastSentAt = now;
    return seq;
  }

  /**
   * Inserts a change of the group (`detail`: the SystemEvent's JSON) as the next seq. Its clientMsgId is made here and
   * not remembered for idempotency: the change itself is (the membership it wrote), and a device's send may never be
   * answered as a repeat of it.
   */
  insertSystem(actorId: string, detail: string, now: number): number {
    const seq = this.lastSeq + 1;
    this.makeRoomFor(seq, now);
    this.sql.exec(
      `INSERT INTO ${table(this.newest.first)} (seq, sender_id, client_msg_id, body, sent_at, system) VALUES (?, ?, ?, '', ?, ?)`,
      seq,
      actorId,
      `system-${seq}`,
      now,
      detail,
    );
    this.lastSeq = seq;
    this.newest.startedAt ||= now;
    this.newest.lastSentAt = now;
    return seq;
  }

  /** The entry at `seq`, if it is kept. */
  get(seq: number): Row | undefined {
    if (seq < this.oldestKept || seq > this.lastSeq) return undefined;
    return this.sql.exec(`SELECT * FROM ${this.tableOf(seq)} WHERE seq = ?`, seq).toArray()[0];
  }

  /** Rewrites a kept message's state (one row written); a deleted message's attachments go with its text. */
  update(
    seq: number,
    state: { body: string; editedAt: number | null; deleted: boolean; reactions: string | null },
  ): void {
    this.sql.exec(
      `UPDATE ${this.tableOf(seq)} SET body = ?, edited_at = ?, deleted = ?, reactions = ?, attachments = IIF(?, NULL, attachments) WHERE seq = ?`,
      state.body,
      state.editedAt,
      state.deleted ? 1 : 0,
      state.reactions,
      state.deleted ? 1 : 0,
      seq,
    );
  }

  /** Up to `limit` entries after `afterSeq`, oldest first; `messagesOnly` leaves the actions out. */
  after(afterSeq: number, limit: number, messagesOnly = false): Row[] {
    const rows: Row[] = [];
    const only = messagesOnly ? "AND action IS NULL" : "";
    for (let i = this.generationOf(afterSeq + 1); i < this.generations.length && rows.length < limit; i++) {
      rows.push(
        ...this.sql.exec(
          `SELECT * FROM ${table(this.generations[i]!.first)} WHERE seq > ? ${only} ORDER BY seq LIMIT ?`,
          afterSeq,
          limit - rows.length,
        ),
      );
    }
    return rows;
  }

  /** Up to `limit` entries before `beforeSeq`, oldest first; `messagesOnly` leaves the actions out. */
  before(beforeSeq: number, limit: number, messagesOnly = false): Row[] {
    const rows: Row[] = [];
    const only = messagesOnly ? "AND action IS NULL" : "";
    for (let i = this.generationOf(beforeSeq - 1); i >= 0 && rows.length < limit; i--) {
      rows.push(
        ...this.sql.exec(
          `SELECT * FROM ${table(this.generations[i]!.first)} WHERE seq < ? ${only} ORDER BY seq DESC LIMIT ?`,
          beforeSeq,
          limit - rows.length,
        ),
      );
    }
    return rows.reverse();
  }

  /**
   * The bodies of up to `limit` messages after `afterSeq` that are not deleted (for the search index), and the
   * seq they cover through (the last one's, or the newest seq when none are left).
   */
  bodies(afterSeq: number, limit: number): { messages: { seq: number; body: string }[]; through: number } {
    const rows = this.after(afterSeq, limit, true);
    const messages = rows
      .filter((row) => Number(row.deleted ?? 0) === 0 && !row.system)
      .map((row) => ({ seq: Number(row.seq), body: String(row.body) }));
    return { messages, through: rows.length < limit ? this.lastSeq : Number(rows.at(-1)!.seq) };
  }

  /** Each sender's newest seq among the messages after `afterSeq`. */
  newestBySender(afterSeq: number): Map<string, number> {
    const newest = new Map<string, number>();
    for (let i = this.generationOf(afterSeq + 1); i < this.generations.length; i++) {
      for (const row of this.sql.exec(
        `SELECT sender_id, MAX(seq) AS seq FROM ${table(this.generations[i]!.first)} WHERE seq > ? GROUP BY sender_id`,
        afterSeq,
      )) {
        newest.set(String(row.sender_id), Number(row.seq));
      }
    }
    return newest;
  }

  /**
   * Drops the oldest generations whose messages are all at or below `through` and were sent before `olderThan`
   * (the newest generation stays), at most `max` of them. Returns how many messages went.
   */
  drop(through: number, olderThan: number, max: number): number {
    let dropped = 0;
    for (let n = 0; n < max && this.generations.length > 1; n++) {
      const [oldest, next] = [this.generations[0]!, this.generations[1]!];
      if (next.first - 1 > through || oldest.lastSentAt >= olderThan) break;
      this.sql.exec(`DROP TABLE ${table(oldest.first)}`);
      this.generations.shift();
      dropped += next.first - oldest.first;
    }
    return dropped;
  }

  private get newest(): Generation {
    return this.generations.at(-1)!;
  }

  /** The index of the generation holding `seq` (the oldest for seqs before it, the newest for seqs after). */
  private generationOf(seq: number): number {
    let i = this.generations.length - 1;
    while (i > 0 && this.generations[i]!.first > seq) i--;
    return i;
  }

  /** A newest generation that is full and spans an eighth of the idempotency window gives way to a new one. */
  private makeRoomFor(seq: number, now: number): void {
    const newest = this.newest;
    if (seq - newest.first < this.options.generationSize || now - newest.startedAt < this.options.rememberMs / 8)
      return;
    this.create(seq);
  }

  private tableOf(seq: number): string {
    return table(this.generations[this.generationOf(seq)]!.first);
  }

  private create(first: number): void {
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${table(first)} (seq INTEGER PRIMARY KEY, sender_id TEXT NOT NULL, client_msg_id TEXT NOT NULL, body TEXT NOT NULL, sent_at INTEGER NOT NULL, ${STATE_COLUMNS.join(", ")})`,
    );
    this.generations.push({ first, startedAt: 0, lastSentAt: 0 });
  }

  /** The ids sent within the window, read from the generations that hold such messages the first time. */
  private sentIds(now: number): SentIds {
    if (this.sent) return this.sent;
    const sent = new SentIds(this.options.rememberMs, now);
    const remembered = now - this.options.rememberMs;
    for (const generation of this.generations) {
      if (generation.lastSentAt < remembered) continue;
      const rows = this.sql.exec(
        `SELECT seq, sender_id, client_msg_id FROM ${table(generation.first)} WHERE sent_at >= ? AND system IS NULL`,
        remembered,
      );
      for (const row of rows) sent.add(String(row.sender_id), String(row.client_msg_id), Number(row.seq), now);
    }
    return (this.sent = sent);
  }

  /** A log may carry a unique index per generation from an earlier version of this module: it would bill a row per message. */
  private dropLegacyIndexes(): void {
    const legacy = this.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'messages_[0-9]*_idempotency'")
      .toArray();
    for (const row of legacy) this.sql.exec(`DROP INDEX IF EXISTS ${String(row.name)}`);
  }

  /** `schema`: the table's CREATE statement, as the start read it with the table's name. */
  private loadGeneration(first: number, schema: string): Generation {
    // A generation from before actions, attachments or changes of the group gets their columns.
    addMissingColumns(this.sql, table(first), STATE_COLUMNS, schema);
    // By seq, two rows read: messages are sent in seq order.
    const sentAt = (order: "ASC" | "DESC") =>
      Number(
        this.sql.exec(`SELECT sent_at FROM ${table(first)} ORDER BY seq ${order} LIMIT 1`).toArray()[0]?.sent_at ?? 0,
      );
    return { first, startedAt: sentAt("ASC"), lastSentAt: sentAt("DESC") };
  }
}

/**
 * A message's reply and current state, and an action's detail: `reply_to` the quoted seq; `action` (JSON) on an
 * action's row; on a message's row what actions did to it: `edited_at`, `deleted` (its body then empty),
 * `reactions` (JSON `[[emoji, [userId, …]], …]`); `attachments` (JSON, the verified references; null once deleted);
 * `system` (JSON, a SystemEvent) on the row of a change of the group.
 */
const STATE_COLUMNS = [
  "reply_to INTEGER",
  "action TEXT",
  "edited_at INTEGER",
  "deleted INTEGER NOT NULL DEFAULT 0",
  "reactions TEXT",
  "attachments TEXT",
  "system TEXT",
];

/** Table names come from seqs this object chose, never from input. */
function table(first: number): string {
  return `messages_${first}`;
}
