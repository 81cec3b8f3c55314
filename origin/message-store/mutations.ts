/**
 * What a log entry writes: a message its row (with its body's search words and its attachments' references); an action
 * its own row (so the conversation's seqs stay gap-free) and its effect on its target: an edit the target's body, words
 * and `edited_at`, a delete the body, words and attachments gone ('' and `deleted`, the edit time cleared) and every
 * reaction removed, a reaction one row of `message_reactions` put or taken away. Each statement carries the entry's
 * write time (write-time.ts): that is what makes the outcome the one of seq order.
 */
import type { ActionEvent, MessageEvent } from "../../protocol/events.js";
import { bucketOf } from "./buckets.js";
import type { MessageStatements } from "./cql.js";
import type { LogEntry } from "./message-store.js";
import { indexWords } from "./search-words.js";
import { writeTimeOf } from "./write-time.js";

/** One statement, and the partition it writes (statements of one partition share an unlogged batch). */
export interface Mutation {
  partition: string;
  query: string;
  params: unknown[];
}

export function mutationsOf(entry: LogEntry, cql: MessageStatements): Mutation[] {
  if (entry.kind === "message")
    return [{ partition: messagesOf(entry, entry.seq), query: cql.insertMessage, params: messageRow(entry) }];
  return [
    { partition: messagesOf(entry, entry.seq), query: cql.insertAction, params: actionRow(entry) },
    ...effectsOf(entry, cql),
  ];
}

/**
 * The parameters of `insertMessage` for one message. Absent optional fields are bound as undefined, which the driver
 * sends as "unset": no cell, rather than a tombstone per message; so are no words (a message forwarded deleted).
 * Words are a set: an insert replaces any it had with a deletion one microsecond below its write time, which a later
 * edit's words (written above it) survive, and a replayed message's own words lose to an edit's deletion.
 */
export function messageRow(m: MessageEvent): unknown[] {
  return [
    m.conversationId,
    bucketOf(m.seq),
    m.seq,
    m.senderId,
    m.clientMsgId,
    m.body,
    wordsOf(m.body) ?? undefined,
    new Date(m.sentAt),
    m.replyTo,
    m.editedAt === undefined ? undefined : new Date(m.editedAt),
    m.deleted,
    m.attachments ? JSON.stringify(m.attachments) : undefined,
    m.system ? JSON.stringify(m.system) : undefined,
    writeTimeOf(m.seq),
  ];
}

function actionRow(a: ActionEvent): unknown[] {
  const { conversationId, seq, senderId, clientMsgId, sentAt, action } = a;
  return [
    conversationId,
    bucketOf(seq),
    seq,
    senderId,
    clientMsgId,
    new Date(sentAt),
    JSON.stringify(action),
    writeTimeOf(seq),
  ];
}

function effectsOf(a: ActionEvent, cql: MessageStatements): Mutation[] {
  const { action } = a;
  const time = writeTimeOf(a.seq);
  const target = [a.conversationId, bucketOf(action.target), action.target];
  const onMessage = messagesOf(a, action.target);
  const onReactions = `reactions/${bucketOf(action.target)}/${a.conversationId}`;
  switch (action.kind) {
    case "edit":
      // Empty when the target was deleted after the edit: the delete follows in the stream and empties it anyway.
      if (action.body === "") return [];
      return [
        {
          partition: onMessage,
          query: cql.edit,
          params: [time, action.body, wordsOf(action.body), new Date(action.editedAt), ...target],
        },
      ];
    case "delete":
      return [
        { partition: onMessage, query: cql.erase, params: [time, ...target] },
        { partition: onReactions, query: cql.clearReactions, params: [time, ...target] },
      ];
    case "react":
      return [
        action.on
          ? { partition: onReactions, query: cql.react, params: [...target, action.emoji, a.senderId, a.seq, time] }
          : { partition: onReactions, query: cql.unreact, params: [time, ...target, action.emoji, a.senderId] },
      ];
  }
}

/** A body's search words; null for none (an edit then removes the old ones). */
function wordsOf(body: string): string[] | null {
  const words = indexWords(body);
  return words.length > 0 ? words : null;
}

function messagesOf(entry: LogEntry, seq: number): string {
  return `messages/${bucketOf(seq)}/${entry.conversationId}`;
}
