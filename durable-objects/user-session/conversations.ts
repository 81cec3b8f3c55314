/**
 * The user's conversations as its session knows them: membership (written when it changes, one row per
 * conversation), and the newest seq and read watermark, which move with every delivery and are kept in memory and
 * saved lazily: a row per delivery would cost a row per recipient per message.
 *
 * What is saved of the positions lives in one row, `meta.positions`: the conversations whose saved values may be
 * behind (`stale`, rewritten when a conversation first moves after a save), the positions saved since they were last
 * folded into the conversations table (`saved`), and when the last checkpoint was. Writing it costs one row however
 * many conversations it covers, so a checkpoint (at most every few minutes, when due however often the object
 * restarted) and the end of a sync that had to ask conversations where they are both save everything at once: a
 * wake asks again only what moved since. After a restart what is stale is asked of the conversation again
 * (`Conversation.attach`) when a device syncs. The saved positions are folded into the table, a row each, only when
 * they grow past FOLD_AT conversations.
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

/** A saved position: last seq, read seq, last at, paused (0 or 1). */
type Position = [number, number, number, number];

interface SavedPositions {
  stale: string[];
  saved: Record<string, Position>;
  checkpointAt: number;
}

/** Saved positions past this many conversations are written into the table at the next checkpoint. */
const FOLD_AT = 200;

export class Conversations {
  /** Rows read so far, loaded lazily: a wake for one delivery reads one row, not every member list. */
  private readonly rows = new Map<string, Row>();
  /** Conversations whose saved position may be behind (durable). */
  private readonly stale: Set<string>;
  /** Of those, the ones whose values in memory are current (learned since this instance started). */
  private readonly fresh = new Set<string>();
  /** Positions saved in meta.positions, newer than the table's (durable). */
  private readonly saved: Map<string, Position>;
  /** When the last checkpoint saved (durable). */
  private checkpointAt: number;

  constructor(
    private readonly sql: Sql,
    private readonly checkpointMs: number,
  ) {
    const stored = this.sql.exec("SELECT value FROM meta WHERE key = 'positions'").toArray()[0];
    const positions = stored ? (JSON.parse(String(stored.value)) as SavedPositions) : this.legacy();
    this.stale = new Set(positions.stale);
    this.saved = new Map(Object.entries(positions.saved));
    this.checkpointAt = positions.checkpointAt;
  }

  get(id: string): Row | undefined {
    const cached = this.rows.get(id);
    if (cached) return cached;
    const stored = this.sql.exec("SELECT * FROM conversations WHERE id = ?", id).toArray()[0];
    if (!stored) return undefined;
    const row = this.rowOf(stored);
    this.rows.set(id, row);
    return row;
  }

  /** The conversation, when the user is invited to it and has not answered. */
  invitedTo(id: string): ConversationState | undefined {
    const row = this.get(id);
    return row?.state.role === "invited" && !row.state.active ? row.state : undefined;
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
    // The table has it all now: nothing saved elsewhere may override it.
    const wasStale = this.stale.delete(state.id);
    const wasSaved = this.saved.delete(state.id);
    this.fresh.delete(state.id);
    if (wasStale || wasSaved) this.savePositions();
    return row;
  }

  /** Messages up to `lastSeq` reached this user's devices, read up to `readSeq` if given. Memory only (see top). */
  advance(id: string, lastSeq: number, readSeq?: number, now = Date.now()): Row | undefined {
    const row = this.get(id);
    if (!row) return undefined;
    // A position that did not move needs no save (a fetch after a sync that saved it, a repeated read).
    if (move(row, lastSeq, readSeq, now) || this.stale.has(id)) this.markFresh(id);
    if (now - this.checkpointAt >= this.checkpointMs) this.checkpoint(now);
    return row;
  }

  /** The conversation stopped pushing: a device coming back must attach it (durable). */
  pause(id: string): void {
    const row = this.get(id);
    if (!row || row.paused) return;
    row.paused = true;
    this.savePosition(id, row);
    this.savePositions();
  }

  /**
   * The conversation pushes again, and its position is current. One a restart would ask again anyway (paused or
   * stale) moves in memory only, saved by `saveAll`, which a sync or a connect ends with: a row for all of them.
   */
  attached(id: string, state: ConversationState, now = Date.now()): void {
    const row = this.get(id);
    if (!row) return;
    const unsure = row.paused || this.stale.has(id);
    row.paused = false;
    if (
      row.state.members.length !== state.members.length ||
      row.state.title !== state.title ||
      row.state.active !== state.active ||
      JSON.stringify(detailsOf(row.state)) !== JSON.stringify(detailsOf(state))
    )
      this.upsert(state);
    else if (unsure) {
      move(row, state.lastSeq, state.readSeq, now);
      this.fresh.add(id);
    } else this.advance(id, state.lastSeq, state.readSeq, now);
  }

  /** Saves every position that moved in memory, in one row: what a wake must ask again is then only what moves next. */
  saveAll(): void {
    if (this.fresh.size === 0) return;
    for (const id of this.fresh) {
      const row = this.rows.get(id);
      if (row) this.savePosition(id, row);
    }
    this.fresh.clear();
    this.savePositions();
  }

  /** Conversations a device must ask about before trusting what is known here: paused, or stale and not fresh. */
  unsure(): string[] {
    const candidates = new Set<string>(
      this.sql
        .exec("SELECT id FROM conversations WHERE paused = 1 AND active = 1")
        .toArray()
        .map((r) => String(r.id)),
    );
    for (const [id, position] of this.saved) if (position[3] === 1) candidates.add(id);
    const ids = new Set<string>(
      [...candidates].filter((id) => this.get(id)?.paused === true && this.get(id)?.state.active),
    );
    for (const id of this.stale) if (!this.fresh.has(id)) ids.add(id);
    return [...ids];
  }

  /** Every conversation that changed since `since` (ms; 0: all), the ones the user left included. */
  changedSince(since: number): ConversationState[] {
    const stored = this.sql.exec(
      "SELECT * FROM conversations WHERE last_at >= ? OR id IN (SELECT value FROM json_each(?))",
      since,
      JSON.stringify([...this.fresh, ...this.saved.keys()]),
    );
    return stored
      .toArray()
      .map((r) => this.rows.get(String(r.id)) ?? this.rowOf(r))
      .filter((row) => row.lastAt >= since)
      .map((row) => row.state);
  }

  /** Every conversation the user is in or invited to, as `GET /v1/conversations` lists them. */
  list(): ConversationState[] {
    const invited = this.sql
      .exec("SELECT * FROM conversations WHERE active = 0 AND json_extract(details, '$.role') = 'invited'")
      .toArray()
      .map((stored) => this.rows.get(String(stored.id)) ?? this.rowOf(stored))
      .filter((row) => row.state.role === "invited" && !row.state.active);
    return [...this.activeRows(), ...invited].map((row) => row.state);
  }

  /** The conversations the user is in with any of `users` (to tell them of a block). */
  sharedWith(users: string[]): ConversationState[] {
    const wanted = new Set(users);
    return this.activeRows()
      .map((row) => row.state)
      .filter((state) => state.members.some((u) => wanted.has(u)));
  }

  /**
   * The ids of the conversations the user is in, the most recently active first (as far as this session knows: one
   * that moved while no device was here may be placed by an older time), at most `n`.
   */
  recent(n: number): string[] {
    return this.activeRows()
      .sort((a, b) => b.lastAt - a.lastAt)
      .slice(0, n)
      .map((row) => row.state.id);
  }

  /** The rows of the conversations the user is in, as memory has them (one query for the ones it has not read). */
  private activeRows(): Row[] {
    return this.sql
      .exec("SELECT * FROM conversations WHERE active = 1")
      .toArray()
      .map((stored) => this.rows.get(String(stored.id)) ?? this.rowOf(stored))
      .filter((row) => row.state.active);
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
    this.savePositions();
  }

  /** Saves what moved in memory when a checkpoint is due, and folds the saved positions into the table when many. */
  private checkpoint(now: number): void {
    this.checkpointAt = now;
    for (const id of this.fresh) {
      const row = this.rows.get(id);
      if (row) this.savePosition(id, row);
    }
    this.fresh.clear();
    if (this.saved.size > FOLD_AT) {
      for (const id of this.saved.keys()) {
        const row = this.get(id);
        if (row) this.write(row);
      }
      this.saved.clear();
    }
    this.savePositions();
  }

  /** In memory: `id`'s position is saved (with the next savePositions) and no longer stale. */
  private savePosition(id: string, row: Row): void {
    this.saved.set(id, [row.state.lastSeq, row.state.readSeq, row.lastAt, row.paused ? 1 : 0]);
    this.stale.delete(id);
    this.fresh.delete(id);
  }

  /** One row: what is stale, the saved positions, the checkpoint's time. */
  private savePositions(): void {
    const positions: SavedPositions = {
      stale: [...this.stale],
      saved: Object.fromEntries(this.saved),
      checkpointAt: this.checkpointAt,
    };
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('positions', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(positions),
    );
  }

  /** What earlier versions kept in meta.stale: read once, then gone (the next save writes meta.positions). */
  private legacy(): SavedPositions {
    const stale = this.sql.exec("SELECT value FROM meta WHERE key = 'stale'").toArray()[0];
    if (stale) this.sql.exec("DELETE FROM meta WHERE key IN ('stale', 'checkpoint_at')");
    return { stale: stale ? (JSON.parse(String(stale.value)) as string[]) : [], saved: {}, checkpointAt: Date.now() };
  }

  private write(row: Row): void {
    const s = row.state;
    this.sql.exec(
      `INSERT INTO conversations (id, kind, title, members, created_at, active, last_seq, read_seq, last_at, paused, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, members = excluded.members, active = excluded.active,
         last_seq = excluded.last_seq, read_seq = excluded.read_seq, last_at = excluded.last_at, paused = excluded.paused,
         details = excluded.details`,
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
      JSON.stringify(detailsOf(s)),
    );
  }

  /** A stored row, with its saved position when there is one (newer than the table's). */
  private rowOf(stored: SqlRow): Row {
    const row = rowOf(stored);
    const position = this.saved.get(row.state.id);
    if (!position) return row;
    [row.state.lastSeq, row.state.readSeq, row.lastAt] = position;
    row.paused = position[3] === 1;
    return row;
  }
}

/** Positions only move forward; read never past the newest. True when something moved. */
function move(row: Row, lastSeq: number, readSeq: number | undefined, now: number): boolean {
  const before = [row.state.lastSeq, row.state.readSeq];
  if (lastSeq > row.state.lastSeq) [row.state.lastSeq, row.lastAt] = [lastSeq, now];
  if (readSeq !== undefined) row.state.readSeq = Math.max(row.state.readSeq, Math.min(readSeq, row.state.lastSeq));
  return row.state.lastSeq !== before[0] || row.state.readSeq !== before[1];
}

/** What the `details` column keeps of a state (rows written before it read as a group without roles). */
type Details = Pick<ConversationState, "creator" | "admins" | "invited" | "history"> &
  Partial<Pick<ConversationState, "role" | "invitedBy" | "mutedUntil" | "visibleFrom">>;

function detailsOf(s: ConversationState): Details {
  const { creator, admins, invited, history, role, invitedBy, mutedUntil, visibleFrom } = s;
  return { creator, admins, invited, history, role, invitedBy, mutedUntil, visibleFrom };
}

const NO_DETAILS: Details = { creator: "", admins: [], invited: [], history: "all" };

function rowOf(stored: SqlRow): Row {
  const details = stored.details ? (JSON.parse(String(stored.details)) as Details) : NO_DETAILS;
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
      ...details,
    },
    lastAt: Number(stored.last_at),
    paused: stored.paused === 1,
  };
}
