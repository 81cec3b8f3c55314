/**
 * Full-text search in one conversation: SQLite FTS5 in the Conversation's own storage (workerd's SQLite has it),
 * words folded to lower case without diacritics (`unicode61 remove_diacritics 2`).
 *
 * The index is built lazily: a conversation nobody searches has none and pays nothing per message. The first search
 * indexes every message kept; each later one first indexes what arrived since (`through`). Edits and deletes of
 * messages already indexed change the index at once, so a search never finds a deleted message nor an edited-away
 * word; pruning drops what the log dropped. FTS5 records a removal as a marker beside the old terms until its segments
 * are merged, so after a delete the next search first rewrites the index (`optimize`): no word of a deleted message
 * stays in storage for longer than until the conversation is searched again.
 */
import { searchWords, type SearchQuery } from "../../protocol/index.js";
import type { Sql } from "../shared/sql.js";
import type { MessageLog } from "./message-log.js";

/** Messages indexed per statement while catching up. */
const INDEX_BATCH = 500;

export class SearchIndex {
  /** The newest seq indexed; null while there is no index. */
  private through: number | null;
  /** A message was deleted from the index since it was last rewritten (durable, in search_state). */
  private stale = false;

  constructor(
    private readonly sql: Sql,
    private readonly log: Pick<MessageLog, "lastSeq" | "oldestKept" | "bodies">,
  ) {
    const exists = this.sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_state'")
      .toArray();
    this.through = exists.length > 0 ? Number(this.sql.exec("SELECT through FROM search_state").one().through) : null;
  }

  /** Up to `limit + 1` seqs of messages with every word of the query, newest first, below `before`. */
  find(query: SearchQuery): number[] {
    const words = searchWords(query.q);
    if (words.length === 0 || this.log.lastSeq === 0) return [];
    this.catchUp();
    const match = words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ");
    return this.sql
      .exec(
        "SELECT rowid FROM search WHERE search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
        match,
        query.before ?? Number.MAX_SAFE_INTEGER,
        query.limit + 1,
      )
      .toArray()
      .map((row) => Number(row.rowid));
  }

  /** A message's body changed (null: deleted). Nothing to do until it is indexed. */
  changed(seq: number, body: string | null): void {
    if (this.through === null || seq > this.through) return;
    this.sql.exec("DELETE FROM search WHERE rowid = ?", seq);
    if (body !== null) this.sql.exec("INSERT INTO search (rowid, body) VALUES (?, ?)", seq, body);
    else if (!this.stale) {
      this.stale = true;
      this.sql.exec("UPDATE search_state SET stale = 1");
    }
  }

  /** The log keeps nothing before `oldest` any more. */
  pruned(oldest: number): void {
    if (this.through !== null) this.sql.exec("DELETE FROM search WHERE rowid < ?", oldest);
  }

  private catchUp(): void {
    if (this.through === null) this.create();
    let through = this.through!;
    while (through < this.log.lastSeq) {
      const batch = this.log.bodies(Math.max(through, this.log.oldestKept - 1), INDEX_BATCH);
      if (batch.messages.length > 0)
        this.sql.exec(
          "INSERT INTO search (rowid, body) SELECT value ->> 0, value ->> 1 FROM json_each(?)",
          JSON.stringify(batch.messages.map((m) => [m.seq, m.body])),
        );
      through = batch.through;
    }
    if (this.stale) this.sql.exec("INSERT INTO search (search) VALUES ('optimize')");
    if (through !== this.through || this.stale)
      this.sql.exec("UPDATE search_state SET through = ?, stale = 0", through);
    this.through = through;
    this.stale = false;
  }

  private create(): void {
    this.sql.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')",
    );
    this.sql.exec("CREATE TABLE IF NOT EXISTS search_state (through INTEGER NOT NULL, stale INTEGER NOT NULL)");
    this.sql.exec("INSERT INTO search_state (through, stale) VALUES (0, 0)");
    this.through = 0;
  }
}
