/**
 * The statements of the Cassandra message store, for one keyspace (prepared by the driver on first use). Every write
 * to `messages` and `message_reactions` is `USING TIMESTAMP` its entry's write time (write-time.ts). A message's
 * `words` (search-words.ts) are written with its body, replaced with it by an edit and removed by a delete; its
 * `attachments` (the references' JSON) are written with it, kept by an edit and removed by a delete.
 */
export function messageStatements(keyspace: string) {
  const columns =
    "seq, sender_id, client_msg_id, body, sent_at, reply_to, edited_at, deleted, action, attachments, system";
  const messages = `${keyspace}.messages`;
  const buckets = `${keyspace}.message_buckets`;
  const reactions = `${keyspace}.message_reactions`;
  const atSeq = "WHERE conversation_id = ? AND bucket = ? AND seq = ?";
  return {
    insertMessage: `INSERT INTO ${messages} (conversation_id, bucket, seq, sender_id, client_msg_id, body, words, sent_at, reply_to, edited_at, deleted, attachments, system) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    insertAction: `INSERT INTO ${messages} (conversation_id, bucket, seq, sender_id, client_msg_id, body, sent_at, action) VALUES (?, ?, ?, ?, ?, '', ?, ?) USING TIMESTAMP ?`,
    edit: `UPDATE ${messages} USING TIMESTAMP ? SET body = ?, words = ?, edited_at = ? ${atSeq}`,
    erase: `UPDATE ${messages} USING TIMESTAMP ? SET body = '', words = null, deleted = true, edited_at = null, attachments = null ${atSeq}`,
    react: `INSERT INTO ${reactions} (conversation_id, bucket, seq, emoji, user_id, reacted_seq) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    unreact: `DELETE FROM ${reactions} USING TIMESTAMP ? ${atSeq} AND emoji = ? AND user_id = ?`,
    clearReactions: `DELETE FROM ${reactions} USING TIMESTAMP ? ${atSeq}`,
    insertBucket: `INSERT INTO ${buckets} (conversation_id, bucket) VALUES (?, ?)`,
    bucketsDown: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket <= ? LIMIT ?`,
    bucketsUp: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket >= ? ORDER BY bucket ASC LIMIT ?`,
    newest: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? LIMIT ?`,
    below: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq < ? LIMIT ?`,
    above: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
    rowsAt: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq IN ?`,
    reactionsBetween: `SELECT seq, emoji, user_id, reacted_seq FROM ${reactions} WHERE conversation_id = ? AND bucket = ? AND seq >= ? AND seq <= ?`,
    /** The keys of a conversation's messages having every one of `n` words, in no useful order (SAI: token order). */
    matching: (n: number) =>
      `SELECT bucket, seq, sent_at FROM ${messages} WHERE conversation_id = ? ${containsWords(n)} LIMIT ?`,
    /** The same within one bucket: one partition, newest first (its clustering order). */
    matchingIn: (n: number) =>
      `SELECT bucket, seq, sent_at FROM ${messages} WHERE conversation_id = ? AND bucket = ? ${containsWords(n)} LIMIT ?`,
    ping: "SELECT release_version FROM system.local",
  };
}

function containsWords(n: number): string {
  return Array.from({ length: n }, () => "AND words CONTAINS ?").join(" ");
}

export type MessageStatements = ReturnType<typeof messageStatements>;
