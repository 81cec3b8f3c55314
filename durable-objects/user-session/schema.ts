/**
 * The UserSession's SQLite schema. `inbox` is the user's gap-free stream across all conversations (cursor
 * 1, 2, 3 …); `conversations.inbox_seq` is the dedupe watermark: a Conversation delivers to a member in
 * contiguous ascending batches, so a seq at or below it has already been given a cursor.
 */
export const USER_SESSION_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS inbox (
  cursor INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  members TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  active INTEGER NOT NULL,
  inbox_seq INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quota (kind TEXT PRIMARY KEY, day INTEGER NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS push_subscriptions (endpoint TEXT PRIMARY KEY, subscription TEXT NOT NULL);
`;
