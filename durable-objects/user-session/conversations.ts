/**
 * The user's conversations as its session knows them: membership (written when it changes), and the newest seq
 * and read watermark, which move with every delivery and are kept in memory and saved lazily. A row written per
 * delivery would cost a row per recipient per message; instead `meta.stale` names the conversations whose saved
 * values may be behind (written only when the set changes) and a checkpoint, at most every few minutes, saves them.
 * The checkpoint's time is saved with it, so the next one comes when it is due however often the object restarts (a
 * session hibernates within seconds of its last event). After a restart what is stale is asked of the conversation
 * again (`Conversation.attach`) when a device syncs.
 * Synchronous on purpose: each step is one event no other can interleave with.
 */
import type { ConversationKind, ConversationState } from "../../protocol/index.js";
import type { Sql, SqlRow } from "../shared/sql.js";

interface Row {
  state: ConversationState;
  /** When the newest message known here arrived, or the membership changed (ms): what a `sync` since then reports. */
  lastAt: number;
  /** The conversation stopped pushing (no device was connected); a device coming back attaches it again. */
  paused: boolean;
}

export class Conversations {
  /** Rows read so far, loaded lazily: a wake for one delivery reads one row, not every member list. */
  private readonly rows = new Map<string, Row>();
  /** Conversations whose saved last_seq/read_seq/last_at may be behind (durable: meta.stale). */
  private readonly stale: Set<string>;
  /** Of those, the ones whose values in memory are current (learned since this instance started). */
  private readonly fresh = new Set<string>();
  /** When the last checkpoint saved (durable: meta.checkpoint_at, first set when the session is new). */
  private checkpointAt: number;

  constructor(
    private readonly sql: Sql,
    private readonly checkpointMs: number,
  ) {
    const saved = new Map(
      this.sql
        .exec("SELECT key, value FROM meta WHERE key IN ('stale', 'checkpoint_at')")
        .toArray()
        .map((r) => [String(r.key), String(r.value)]),
    );
    this.stale = new Set(JSON.parse(saved.get("stale") ?? "[]") as string[]);
    const checkpointAt = saved.get("checkpoint_at");
    this.checkpointAt = checkpointAt === undefined ? this.saveCheckpointAt(Date.now()) : Number(checkpointAt);
  }

  get(id: string): Row | undefined {
    const cached = this.rows.get(id);
    if (cached) return cached;
    const stored = this.sql.exec("SELECT * FROM conversations WHERE id = ?", id).toArray()[0];
    if (!stored) return undefined;
    const row = rowOf(stored);
    this.rows.set(id, row);
    return row;
  }

  /** The members of a conversation this user is in; undefined when it is not listed here (or the user left it). */
  membersOf(id: string): string[] | undefined {
    const row = this.get(id);
    return row?.state.active ? row.state.members : undefined;
  }

  /** The conversation's membership, title or this user's part changed (or it is new here): written at once. */
  upsert(state: ConversationState, now = Date.now()): Row {
    const old = this.get(state.id);
    const row: Row = {
      state: {
        ...state,
        lastSeq: Math.max(state.lastSeq, old?.state.lastSeq ?? 0),
        readSeq: Math.max(state.readSeq, old?.state.readSeq ?? 0),
      },
      // What a device must hear of at its next sync: membership, title or its own part changed.
      lastAt: now,
      paused: old?.paused ?? false,
    };
    this.rows.set(state.id, row);
    this.write(row);
    this.markSaved(state.id);
    return row;
  }

  /** Messages up to `lastSeq` reached this user's devices, read up to `readSeq` if given. Memory only (see top). */
  advance(id: string, lastSeq: number, readSeq?: number, now = Date.now()): Row | undefined {
    const row = this.get(id);
    if (!row) return undefined;
    if (lastSeq > row.state.lastSeq) [row.state.lastSeq, row.lastAt] = [lastSeq, now];
    if (readSeq !== undefined) row.state.readSeq = Math.max(row.state.readSeq, Math.min(readSeq, row.state.lastSeq));
    this.markFresh(id);
    this.maybeCheckpoint(now);
    return row;
  }

  /** The conversation stopped pushing: a device coming back must attach it (durable). */
  pause(id: string): void {
    const row = this.get(id);
    if (!row || row.paused) return;
    row.paused = true;
    this.sql.exec("UPDATE conversations SET paused = 1 WHERE id = ?", id);
  }

  /**
   * The conversation pushes again, and its position is current. Not paused any more in memory at once, on disk
   * with the next checkpoint: if that is lost, the conversation is only attached once more (a call, not a row).
   */
  attached(id: string, state: ConversationState): void {
    const row = this.get(id);
    if (row) row.paused = false;
    if (
      row &&
      (row.state.members.length !== state.members.length ||
        row.state.title !== state.title ||
        row.state.active !== state.active)
    )
      this.upsert(state);
    else this.advance(id, state.lastSeq, state.readSeq);
  }

  /** Conversations a device must ask about before trusting what is known here: paused, or stale and not fresh. */
  unsure(): string[] {
    const paused = this.sql
      .exec("SELECT id FROM conversations WHERE paused = 1 AND active = 1")
      .toArray()
      .map((r) => String(r.id));
    const ids = new Set<string>(paused.filter((id) => this.rows.get(id)?.paused !== false));
    for (const id of this.stale) if (!this.fresh.has(id)) ids.add(id);
    return [...ids];
  }

  /** Every conversation that changed since `since` (ms; 0: all), the ones the user left included. */
  changedSince(since: number): ConversationState[] {
    const stored = this.sql.exec(
      "SELECT * FROM conversations WHERE last_at >= ? OR id IN (SELECT value FROM json_each(?))",
      since,
      JSON.stringify([...this.fresh]),
    );
    return stored
      .toArray()
      .map((r) => this.rows.get(String(r.id)) ?? rowOf(r))
      .filter((row) => row.lastAt >= since)
      .map((row) => row.state);
  }

  /** Every conversation the user is in, as `GET /v1/conversations` lists them. */
  list(): ConversationState[] {
    return this.sql
      .exec("SELECT * FROM conversations WHERE active = 1")
      .toArray()
      .map((stored) => (this.rows.get(String(stored.id)) ?? rowOf(stored)).state)
      .filter((state) => state.active);
  }

  /** Which of `users` share a conversation with this user (one query; member lists stay in SQLite). */
  contacts(users: string[]): Set<string> {
    const rows = this.sql.exec(
      "SELECT DISTINCT m.value AS user FROM conversations c, json_each(c.members) m WHERE c.active = 1 AND m.value IN (SELECT value FROM json_each(?))",
      JSON.stringify(users),
    );
    return new Set([...rows].map((r) => String(r.user)));
  }

  private markFresh(id: string): void {
    this.fresh.add(id);
    if (this.stale.has(id)) return;
    this.stale.add(id);
    this.saveStale();
  }

  /** The row was just written whole: what is saved is current. */
  private markSaved(id: string): void {
    this.fresh.delete(id);
    if (this.stale.delete(id)) this.saveStale();
  }

  /** Saves what moved in memory, at most every `checkpointMs`, so a restart has little to ask again. */
  private maybeCheckpoint(now: number): void {
    if (now - this.checkpointAt < this.checkpointMs) return;
    for (const id of this.fresh) {
      const row = this.rows.get(id);
      if (row) this.write(row);
      this.stale.delete(id);
    }
    this.fresh.clear();
    this.saveStale();
    this.checkpointAt = this.saveCheckpointAt(now);
  }

  private saveCheckpointAt(at: number): number {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('checkpoint_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      at,
    );
    return at;
  }

  private write(row: Row): void {
    const s = row.state;
    this.sql.exec(
      `INSERT INTO conversations (id, kind, title, members, created_at, active, last_seq, read_seq, last_at, paused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, members = excluded.members, active = excluded.active,
         last_seq = excluded.last_seq, read_seq = excluded.read_seq, last_at = excluded.last_at, paused = excluded.paused`,
      s.id,
      s.kind,
      s.title,
      JSON.stringify(s.members),
      s.createdAt,
      s.active ? 1 : 0,
      s.lastSeq,
      s.readSeq,
      row.lastAt,
      row.paused ? 1 : 0,
    );
  }

  private saveStale(): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('stale', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify([...this.stale]),
    );
  }
}

function rowOf(stored: SqlRow): Row {
  return {
    state: {
      id: String(stored.id),
      kind: stored.kind as ConversationKind,
      title: String(stored.title),
      members: JSON.parse(String(stored.members)) as string[],
      createdAt: Number(stored.created_at),
      active: stored.active === 1,
      lastSeq: Number(stored.last_seq),
      readSeq: Number(stored.read_seq),
    },
    lastAt: Number(stored.last_at),
    paused: stored.paused === 1,
  };
}
