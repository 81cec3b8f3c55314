/**
 * A page's message rows as devices see them, like the edge's own history (durable-objects/conversation/store.ts): the
 * current body, `editedAt`, `deleted` (empty body, no reactions, no attachments), the attachments' references, the
 * reactions gathered from `message_reactions`, and for a reply the quote of the message it replies to, from that
 * message's row as it is now (in the page, or read by seq). Two reads per bucket the page spans at most: the quoted
 * rows it lacks, and one range of reactions.
 */
import type cassandra from "cassandra-driver";
import { REACTION_USERS_SHOWN, snippetOf, type Quote, type Reaction } from "../../protocol/actions.js";
import type { Attachment } from "../../protocol/attachments.js";
import type { Message } from "../../protocol/message.js";
import type { SystemEvent } from "../../protocol/safety.js";
import { bucketOf } from "./buckets.js";
import type { MessageStatements } from "./cql.js";
import { isMessageRow, seqOf } from "./history-cassandra.js";

type Row = cassandra.types.Row;

export class PageState {
  constructor(
    private readonly client: cassandra.Client,
    private readonly cql: MessageStatements,
  ) {}

  /** The rows' messages, in the rows' order. */
  async messages(conversationId: string, rows: readonly Row[]): Promise<Message[]> {
    const [quoted, reactions] = await Promise.all([
      this.quotedRows(conversationId, rows),
      this.reactions(conversationId, rows.filter((row) => row.get("deleted") !== true).map(seqOf)),
    ]);
    return rows.map((row) => {
      const message = messageOf(conversationId, row);
      const replyTo = row.get("reply_to") as cassandra.types.Long | null;
      if (replyTo !== null) message.replyTo = quoteOf(replyTo.toNumber(), quoted.get(replyTo.toNumber()));
      const shown = reactions.get(message.seq);
      if (shown && !message.deleted) message.reactions = shown;
      return message;
    });
  }

  /** The rows the page's replies quote, by seq: the page's own, and the others read. */
  private async quotedRows(conversationId: string, rows: readonly Row[]): Promise<Map<number, Row>> {
    const bySeq = new Map(rows.map((row) => [seqOf(row), row]));
    const missing = rows
      .map((row) => row.get("reply_to") as cassandra.types.Long | null)
      .filter((seq): seq is cassandra.types.Long => seq !== null)
      .map((seq) => seq.toNumber())
      .filter((seq) => !bySeq.has(seq));
    const read = await Promise.all(
      [...byBucket(missing)].map(([bucket, seqs]) =>
        this.client.execute(this.cql.rowsAt, [conversationId, bucket, seqs]),
      ),
    );
    for (const { rows: found } of read) for (const row of found) bySeq.set(seqOf(row), row);
    return bySeq;
  }

  /** The reactions on `seqs`, by seq: one range read per bucket, from its lowest seq to its highest. */
  private async reactions(conversationId: string, seqs: readonly number[]): Promise<Map<number, Reaction[]>> {
    const read = await Promise.all(
      [...byBucket(seqs)].map(([bucket, inBucket]) =>
        this.client.execute(this.cql.reactionsBetween, [
          conversationId,
          bucket,
          Math.min(...inBucket),
          Math.max(...inBucket),
        ]),
      ),
    );
    return reactionsOf(read.flatMap((result) => result.rows));
  }
}

function messageOf(conversationId: string, row: Row): Message {
  const message: Message = {
    conversationId,
    seq: seqOf(row),
    senderId: row.get("sender_id") as string,
    clientMsgId: row.get("client_msg_id") as string,
    body: row.get("body") as string,
    sentAt: (row.get("sent_at") as Date).getTime(),
  };
  const editedAt = row.get("edited_at") as Date | null;
  if (editedAt !== null) message.editedAt = editedAt.getTime();
  if (row.get("deleted") === true) message.deleted = true;
  // Written from a validated message event (protocol/events.ts), so read back as is.
  const attachments = row.get("attachments") as string | null;
  if (attachments !== null) message.attachments = JSON.parse(attachments) as Attachment[];
  const system = row.get("system") as string | null;
  if (system !== null) message.system = JSON.parse(system) as SystemEvent;
  return message;
}

/** What a reply shows of the message at `seq` (the edge's quoteOf): nothing but the seq when origin has no such message. */
function quoteOf(seq: number, row: Row | undefined): Quote {
  if (!row || !isMessageRow(row)) return { seq };
  const senderId = row.get("sender_id") as string;
  if (row.get("deleted") === true) return { seq, senderId, deleted: true };
  return { seq, senderId, snippet: snippetOf(row.get("body") as string) };
}

/**
 * Reaction rows gathered per message: each emoji with every user that has it on (count exact, users listed up to
 * REACTION_USERS_SHOWN), users in the order they put it on, emoji in the order of their oldest reaction. The edge
 * lists an emoji where it was first put on and keeps it there while anyone has it; the two differ only once its first
 * user took it back while others kept it (the set origin keeps does not remember who came first then).
 */
function reactionsOf(rows: readonly Row[]): Map<number, Reaction[]> {
  const bySeq = new Map<number, Map<string, { user: string; at: number }[]>>();
  for (const row of rows) {
    const seq = seqOf(row);
    const emoji = row.get("emoji") as string;
    const onSeq = bySeq.get(seq) ?? bySeq.set(seq, new Map()).get(seq)!;
    const users = onSeq.get(emoji) ?? onSeq.set(emoji, []).get(emoji)!;
    users.push({ user: row.get("user_id") as string, at: (row.get("reacted_seq") as cassandra.types.Long).toNumber() });
  }
  const out = new Map<number, Reaction[]>();
  for (const [seq, emoji] of bySeq) {
    const listed = [...emoji].map(([e, users]) => ({ emoji: e, users: users.sort((a, b) => a.at - b.at) }));
    listed.sort((a, b) => a.users[0]!.at - b.users[0]!.at);
    out.set(
      seq,
      listed.map(({ emoji: e, users }) => ({
        emoji: e,
        count: users.length,
        users: users.slice(0, REACTION_USERS_SHOWN).map((u) => u.user),
      })),
    );
  }
  return out;
}

/** Seqs grouped by bucket. */
function byBucket(seqs: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const seq of seqs) {
    const group = groups.get(bucketOf(seq)) ?? groups.set(bucketOf(seq), []).get(bucketOf(seq))!;
    if (!group.includes(seq)) group.push(seq);
  }
  return groups;
}
