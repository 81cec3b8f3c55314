/**
 * The Conversation's SQLite schema. The message row doubles as the idempotency record (unique on sender and
 * clientMsgId); per-member fan-out progress and the origin outbox are watermarks (`fanout_seq`, `origin_seq`)
 * instead of a row per message and recipient: "everything after the watermark is still owed" is the same
 * durable promise at a fraction of the writes.
 */
export const CONVERSATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS info (
  id TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, creator TEXT NOT NULL,
  created_at INTEGER NOT NULL, version INTEGER NOT NULL, origin_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  until_seq INTEGER,
  fanout_seq INTEGER NOT NULL,
  info_version INTEGER NOT NULL,
  read_seq INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  sender_id TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS departed (user_id TEXT PRIMARY KEY);
CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotency ON messages(sender_id, client_msg_id);
`;
