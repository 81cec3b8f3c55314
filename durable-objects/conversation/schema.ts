/**
 * The Conversation's SQLite schema (protocol v2). The conversation is the log: a message is one row, written once,
 * in tables of consecutive seqs that retention drops whole (message-log.ts, which creates them; idempotency is kept
 * in memory there, not in an index); members' sessions are not given a copy. What
 * each member has been delivered and has read, whether it has a device connected, and how far origin confirmed
 * are one row (`member_state`, JSON), saved when someone comes or goes and otherwise lazily: losing a watermark in
 * a crash re-sends a receipt, never loses a message. `blocks` are the pairs of members where one blocked the other
(told by the blocker's session). `attachment_deletes` lists the attachments of messages deleted for
 * everyone until their bytes are gone from R2 (attachments.ts).
 */
export const CONVERSATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS info (
  id TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, creator TEXT NOT NULL,
  created_at INTEGER NOT NULL, version INTEGER NOT NULL,
  history TEXT NOT NULL DEFAULT 'all', mutes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  until_seq INTEGER,
  info_version INTEGER NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  invited_by TEXT,
  joined_seq INTEGER NOT NULL DEFAULT 0,
  muted_until INTEGER
);
CREATE TABLE IF NOT EXISTS departed (user_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS blocks (blocker TEXT NOT NULL, blocked TEXT NOT NULL, PRIMARY KEY (blocker, blocked)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS member_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attachment_deletes (id TEXT PRIMARY KEY);
`;

/**
 * Columns added after the tables' first version (in the statements above too), with the value rows written before
 * them take: a group then had no
 * roles (its creator is made admin at start, store.ts) and showed every member all of its history.
 */
export const ADDED_COLUMNS: Record<string, string[]> = {
  info: ["history TEXT NOT NULL DEFAULT 'all'", "mutes INTEGER NOT NULL DEFAULT 0"],
  members: [
    "role TEXT NOT NULL DEFAULT 'member'",
    "invited_by TEXT",
    "joined_seq INTEGER NOT NULL DEFAULT 0",
    "muted_until INTEGER",
  ],
};
