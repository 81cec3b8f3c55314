/**
 * The conversation's messages, in generations: tables `messages_<first seq>`, each holding the consecutive seqs
 * from its first to the next generation's first. Retention drops whole generations, because a `DROP TABLE` writes
 * no billed rows where deleting messages one by one bills a row each: pruning costs nothing per message, and
 * starting a generation costs three rows (its table and its index) for thousands of messages.
 *
 * Each generation has its own unique index on (sender, clientMsgId). A send also looks in the older generations
 * that hold messages younger than the idempotency window; a generation spans at least an eighth of that window,
 * so a busy conversation has a handful of them to look in, not one per few thousand messages.
 */
type Row = Record<string, SqlStorageValue>;

export interface LogOptions {
  /** Messages a generation holds before the next one may start. */
  generationSize: number;
  /** How long a clientMsgId is remembered: older messages' generations are not looked in. */
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

  constructor(private readonly sql: SqlStorage, private readonly options: LogOptions) {
    this.generations = this.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'messages_[0-9]*'")
      .toArray()
      .map((row) => Number(String(row.name).slice("messages_".length)))
      .sort((a, b) => a - b)
      .map((first) => this.loadGeneration(first));
    if (this.generations.length === 0) this.create(1);
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
   * Inserts a sender's messages as the seqs after the last one, in one statement. Throws the runtime's UNIQUE
   * error when one was sent before in the newest generation (or twice in the batch); older ones: `sentBefore`.
   */
  insert(senderId: string, items: { clientMsgId: string; body: string }[], now: number): void {
    const first = this.lastSeq + 1;
    this.makeRoomFor(first, now);
    this.sql.exec(
      `INSERT INTO ${table(this.newest.first)} (seq, sender_id, client_msg_id, body, sent_at) SELECT ? + key, ?, value ->> 0, value ->> 1, ? FROM json_each(?)`,
      first, senderId, now, JSON.stringify(items.map((item) => [item.clientMsgId, item.body])),
    );
    this.lastSeq = first + items.length - 1;
    this.newest.startedAt ||= now;
    this.newest.lastSentAt = now;
  }

  /** Whether the sender sent one of these clientMsgIds before: in the older generations, or in all. */
  sentBefore(senderId: string, clientMsgIds: string[], olderOnly: boolean, now: number): SentBefore | null {
    const ids = JSON.stringify(clientMsgIds);
    const remembered = now - this.options.rememberMs;
    const last = this.generations.length - 1;
    for (let i = olderOnly ? last - 1 : last; i >= 0 && (i === last || this.generations[i]!.lastSentAt >= remembered); i--) {
      const row = this.sql
        .exec(`SELECT seq, sent_at FROM ${table(this.generations[i]!.first)} WHERE sender_id = ? AND client_msg_id IN (SELECT value FROM json_each(?)) LIMIT 1`, senderId, ids)
        .toArray()[0];
      if (row) return { seq: Number(row.seq), sentAt: Number(row.sent_at) };
    }
    return null;
  }

  /** Up to `limit` messages after `afterSeq`, oldest first. */
  after(afterSeq: number, limit: number): Row[] {
    const rows: Row[] = [];
    for (let i = this.generationOf(afterSeq + 1); i < this.generations.length && rows.length < limit; i++) {
      rows.push(...this.sql.exec(`SELECT * FROM ${table(this.generations[i]!.first)} WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit - rows.length));
    }
    return rows;
  }

  /** Up to `limit` messages before `beforeSeq`, oldest first. */
  before(beforeSeq: number, limit: number): Row[] {
    const rows: Row[] = [];
    for (let i = this.generationOf(beforeSeq - 1); i >= 0 && rows.length < limit; i--) {
      rows.push(...this.sql.exec(`SELECT * FROM ${table(this.generations[i]!.first)} WHERE seq < ? ORDER BY seq DESC LIMIT ?`, beforeSeq, limit - rows.length));
    }
    return rows.reverse();
  }

  /** Each sender's newest seq among the messages after `afterSeq`. */
  newestBySender(afterSeq: number): Map<string, number> {
    const newest = new Map<string, number>();
    for (let i = this.generationOf(afterSeq + 1); i < this.generations.length; i++) {
      for (const row of this.sql.exec(`SELECT sender_id, MAX(seq) AS seq FROM ${table(this.generations[i]!.first)} WHERE seq > ? GROUP BY sender_id`, afterSeq)) {
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
    if (seq - newest.first < this.options.generationSize || now - newest.startedAt < this.options.rememberMs / 8) return;
    this.create(seq);
  }

  private create(first: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${table(first)} (seq INTEGER PRIMARY KEY, sender_id TEXT NOT NULL, client_msg_id TEXT NOT NULL, body TEXT NOT NULL, sent_at INTEGER NOT NULL)`);
    this.sql.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${table(first)}_idempotency ON ${table(first)} (sender_id, client_msg_id)`);
    this.generations.push({ first, startedAt: 0, lastSentAt: 0 });
  }

  private loadGeneration(first: number): Generation {
    // By seq, two rows read: messages are sent in seq order.
    const sentAt = (order: "ASC" | "DESC") => Number(this.sql.exec(`SELECT sent_at FROM ${table(first)} ORDER BY seq ${order} LIMIT 1`).toArray()[0]?.sent_at ?? 0);
    return { first, startedAt: sentAt("ASC"), lastSentAt: sentAt("DESC") };
  }
}

/** Table names come from seqs this object chose, never from input. */
function table(first: number): string {
  return `messages_${first}`;
}
