import type { Message } from "../../protocol/message.js";
import { bucketOf } from "./buckets.js";

/** The statements of the Cassandra message store, for one keyspace (prepared by the driver on first use). */
export function messageStatements(keyspace: string) {
  const columns = "conversation_id, seq, sender_id, client_msg_id, body, sent_at";
  const messages = `${keyspace}.messages`;
  const buckets = `${keyspace}.message_buckets`;
  return {
    insertMessage: `INSERT INTO ${messages} (conversation_id, bucket, seq, sender_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    insertBucket: `INSERT INTO ${buckets} (conversation_id, bucket) VALUES (?, ?)`,
    bucketsDown: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket <= ? LIMIT ?`,
    bucketsUp: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket >= ? ORDER BY bucket ASC LIMIT ?`,
    newest: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? LIMIT ?`,
    below: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq < ? LIMIT ?`,
    above: `SELECT ${columns} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
    ping: "SELECT release_version FROM system.local",
  };
}

export type MessageStatements = ReturnType<typeof messageStatements>;

/** The parameters of `insertMessage` for one message. */
export function messageRow(m: Message): unknown[] {
  return [m.conversationId, bucketOf(m.seq), m.seq, m.senderId, m.clientMsgId, m.body, new Date(m.sentAt)];
}
