/**
 * Message actions: edit, delete for everyone, reactions, replies, and how a device applies them. An action is an
 * entry of the conversation's log like a message (its own seq, clientMsgId, sender and time), so it is ordered,
 * idempotent, pushed, fetched and forwarded as messages are; its `action` says what it did to which message. A
 * message carries its current state (edited body, tombstone, reaction counts, the quote it replies to) wherever it is
 * read again (a fetch, a history page, a search), so a page needs no replay of the actions.
 */
import type { Message } from "./message.js";

/** How long after sending the sender may edit a message, unless the edge is configured otherwise. */
export const DEFAULT_EDIT_WINDOW_MS = 15 * 60_000;
/** Different emoji on one message. */
export const MAX_REACTION_EMOJI = 20;
/** Different emoji one user puts on one message. */
export const MAX_REACTIONS_PER_USER = 3;
/** Users listed per emoji in a message's state (`count` is exact): a large group's message stays small. */
export const REACTION_USERS_SHOWN = 20;
/** A quote's snippet: the start of the quoted body. */
export const QUOTE_CHARS = 120;
/** Seqs one `hide` may name. */
export const MAX_HIDE_SEQS = 100;
/** Seqs a user keeps hidden per conversation; hiding more forgets the oldest. */
export const MAX_HIDDEN_PER_CONVERSATION = 1_000;

/** One or more emoji (a skin tone, a ZWJ sequence, a flag), nothing else; at most 32 characters (code points). */
export const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Regional_Indicator}|\u200d|\ufe0f)+$/u;
export const MAX_EMOJI_LENGTH = 32;

export type Action =
  /** The target's body is now `body` (empty when the target was deleted since). */
  | { kind: "edit"; target: number; body: string; editedAt: number }
  /** The target is deleted for everyone: its body is gone. */
  | { kind: "delete"; target: number }
  /** The sender put (`on`) or took back an emoji on the target; `count` is how many users have it on since. */
  | { kind: "react"; target: number; emoji: string; on: boolean; count: number };

export type ActionKind = Action["kind"];

/** What a device asks of the message at `seq` (the `edit`, `delete` and `react` frames; `POST …/actions`). */
export type ActionRequest =
  | { kind: "edit"; seq: number; body: string }
  | { kind: "delete"; seq: number }
  | { kind: "react"; seq: number; emoji: string; on: boolean };

/** What a reply shows of the message it quotes: absent fields when it is deleted or no longer kept. */
export interface Quote {
  seq: number;
  senderId?: string;
  snippet?: string;
  deleted?: true;
}

export interface Reaction {
  emoji: string;
  count: number;
  /** Who, at most REACTION_USERS_SHOWN of them. */
  users: string[];
}

/** The start of a body as a quote shows it. */
export function snippetOf(body: string): string {
  return body.length <= QUOTE_CHARS ? body : `${body.slice(0, QUOTE_CHARS - 1)}…`;
}

/**
 * Applies one log entry to a conversation's messages as a device holds them (by seq): a message is added, an action
 * changes its target (if the device holds it) and the quotes of replies to it. Applying an entry twice changes
 * nothing more, so a device that loaded a message's current state and then meets its older actions ends right.
 */
export function applyEntry(messages: Map<number, Message>, entry: Message): void {
  if (!entry.action) {
    messages.set(entry.seq, entry);
    return;
  }
  const action = entry.action;
  const target = messages.get(action.target);
  if (target) messages.set(action.target, applyAction(target, action, entry.senderId));
  if (action.kind === "react") return;
  for (const [seq, message] of messages) {
    if (message.replyTo?.seq !== action.target) continue;
    const quote: Quote =
      action.kind === "delete"
        ? {
            seq: action.target,
            ...(message.replyTo.senderId ? { senderId: message.replyTo.senderId } : {}),
            deleted: true,
          }
        : { ...message.replyTo, snippet: snippetOf(action.body) };
    if (!message.replyTo.deleted) messages.set(seq, { ...message, replyTo: quote });
  }
}

/** A message after one action by `actor`. */
export function applyAction(message: Message, action: Action, actor: string): Message {
  if (message.deleted) return message;
  switch (action.kind) {
    case "delete": {
      // The attachments go with the text, as they do in the edge's history and origin's (their bytes leave R2).
      const { reactions: _r, editedAt: _e, attachments: _a, ...rest } = message;
      return { ...rest, body: "", deleted: true };
    }
    case "edit":
      return action.body === "" ? message : { ...message, body: action.body, editedAt: action.editedAt };
    case "react":
      return { ...message, reactions: react(message.reactions ?? [], action, actor) };
  }
}

function react(reactions: Reaction[], action: Extract<Action, { kind: "react" }>, actor: string): Reaction[] {
  const others = reactions.filter((r) => r.emoji !== action.emoji);
  const current = reactions.find((r) => r.emoji === action.emoji);
  const users = (current?.users ?? []).filter((u) => u !== actor);
  if (action.on && users.length < REACTION_USERS_SHOWN) users.push(actor);
  if (action.count === 0) return others;
  const next = [...others, { emoji: action.emoji, count: action.count, users }];
  // Kept in the order the emoji were first used, as the edge lists them.
  const order = reactions.map((r) => r.emoji);
  return next.sort((a, b) => rank(order, a.emoji) - rank(order, b.emoji));
}

function rank(order: string[], emoji: string): number {
  const i = order.indexOf(emoji);
  return i < 0 ? order.length : i;
}
