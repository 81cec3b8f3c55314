/**
 * The `uploads` table under a name: sessions that made it as a rowid table, which writes a row more for every insert
 * and delete, get it rebuilt as this one (shared/sql.ts, `rebuildWithoutRowid`).
 */
export function uploadsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  sha256 TEXT,
  referenced INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;`;
}

/**
 * The UserSession's SQLite schema (protocol v2). No row per message: a user's conversations are logs in their own
 * objects, and this one keeps, per conversation, what the user's devices need to know what they missed: the newest
 * seq and the read watermark (saved lazily, in one `meta.positions` row that also lists the conversations whose saved
 * values may be behind, which a sync asks again; see conversations.ts), and whether the conversation stopped pushing
 * because no device was connected.
 * `details` (JSON) holds the rest of a conversation's state (its creator, admins, invitees, history setting, and this
 * user's role, invite and mute). `blocks` lists the users this user blocked (blocks.ts).
 * `hidden` lists the messages the user deleted for itself (hidden.ts); `uploads` the user's attachments until they are
 * referenced or swept (uploads.ts).
 * `meta` also holds the connection epoch and when the user was last seen. The last two statements remove what earlier
 * versions kept and nothing reads (push subscriptions without an origin, the user's id, which the session now takes
 * from `ctx.id.name`); they write and read no row once it is gone.
 */
export const USER_SESSION_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  members TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  active INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0,
  last_at INTEGER NOT NULL DEFAULT 0,
  paused INTEGER NOT NULL DEFAULT 0,
  details TEXT
);
CREATE TABLE IF NOT EXISTS blocks (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hidden (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota (kind TEXT PRIMARY KEY, day INTEGER NOT NULL, used INTEGER NOT NULL);
${uploadsTable("uploads")}
DROP TABLE IF EXISTS push_subscriptions;
DELETE FROM meta WHERE key = 'user_id';
`;

/** Columns added after the tables' first version (in the statements above too). */
export const SESSION_ADDED_COLUMNS = { conversations: ["details TEXT"] } as const;
