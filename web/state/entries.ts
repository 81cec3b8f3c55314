/**
 * Log entries as the page holds them. The client hands over every entry once, in seq order: a message joins its
 * thread; an action (edit, delete, reaction) changes the message it names and the quotes of replies to it
 * (protocol/actions.ts `applyEntry`) and is never shown itself. History pages bring messages in their current state
 * and merge by seq (model.ts `mergeMessages`), so nothing is replayed after them.
 */
import { applyEntry, snippetOf, type Quote, type Reaction } from "../../protocol/actions.js";
import type { Message } from "../../protocol/message.js";
import { mergeMessages, type Conv } from "./model.js";

/** A thread's messages (ascending by seq) after one entry. */
export function withEntry(messages: Message[], entry: Message): Message[] {
  if (!entry.action) return mergeMessages(messages, [entry]);
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  applyEntry(bySeq, entry);
  // An action only replaces messages already there, so the order stands.
  return [...bySeq.values()];
}

/** A conversation's newest message (the list's preview) after one entry: an action changes it, never replaces it. */
export function lastAfter(last: Message | undefined, entry: Message): Message | undefined {
  if (!entry.action) return last && last.seq > entry.seq ? last : entry;
  if (!last) return undefined;
  const one = new Map([[last.seq, last]]);
  applyEntry(one, entry);
  return one.get(last.seq);
}

/** What a reply to `message` quotes, as the edge will quote it. */
export function quoteOf(message: Message): Quote {
  return { seq: message.seq, senderId: message.senderId, snippet: snippetOf(message.body) };
}

/**
 * Only the sender edits, within the edit window the edge told (its hello). The edge has the last word: an edit that
 * arrives late is refused and the refusal shown.
 */
export function canEdit(message: Message, me: string, windowMs: number, now = Date.now()): boolean {
  return message.senderId === me && !message.deleted && now - message.sentAt <= windowMs;
}

/** The sender deletes for everyone, and so do a group's admins; a change of the group is no message to delete. */
export function canDeleteForEveryone(message: Message, me: string, conv?: Conv): boolean {
  if (message.deleted || message.system) return false;
  return message.senderId === me || (conv?.kind === "group" && conv.admins.includes(me));
}

/** Whether this user's reaction is among the users a reaction lists. */
export function reactedBy(reaction: Reaction, me: string): boolean {
  return reaction.users.includes(me);
}

/** Who put a reaction on, for its tooltip: the edge lists the first few users, `count` is exact. */
export function reactorsText(reaction: Reaction): string {
  const more = reaction.count - reaction.users.length;
  return more > 0 ? `${reaction.users.join(", ")} and ${more} more` : reaction.users.join(", ");
}
