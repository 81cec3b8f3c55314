/**
 * The rules of message actions (protocol/actions.ts) and what they do to the message they act on. Only the sender
 * edits, within the edit window; the sender deletes for everyone, and in a group so does an admin; any member
 * reacts, one of each emoji, within the limits. The target must be a message this object keeps and has not deleted.
 * Pure: the store reads the target's row, asks here, and writes the answer (store.ts).
 */
import {
  fail,
  MAX_REACTION_EMOJI,
  MAX_REACTIONS_PER_USER,
  ok,
  REACTION_USERS_SHOWN,
  snippetOf,
  type Action,
  type ActionRequest,
  type ConversationKind,
  type Quote,
  type Reaction,
  type Result,
} from "../../protocol/index.js";

/** A kept entry of the log as actions see it. */
export interface Entry {
  seq: number;
  senderId: string;
  sentAt: number;
  body: string;
  editedAt: number | null;
  deleted: boolean;
  /** Emoji in the order first used, each with every user that has it on. */
  reactions: [string, string[]][];
  /** An action's own entry (the stored detail), not a message. */
  action: StoredAction | null;
  /** A change of the group, not a message. */
  system: boolean;
}

/** What an action's row keeps: its kind and target; its effect is on the target's row. */
export type StoredAction =
  | { kind: "edit"; target: number }
  | { kind: "delete"; target: number }
  | { kind: "react"; target: number; emoji: string; on: boolean };

export interface ActionContext {
  actor: string;
  now: number;
  editWindowMs: number;
  kind: ConversationKind;
  /** The actor is an admin of the group. */
  admin: boolean;
}

/** The target, if an action or a reply may point at it. */
export function checkTarget(target: Entry | undefined, seq: number): Result<Entry> {
  if (!target) return fail("not_found", `no message ${seq} in this conversation`);
  if (target.action) return fail("not_found", `entry ${seq} is an action, not a message`);
  if (target.system) return fail("not_found", `entry ${seq} is a change of the group, not a message`);
  if (target.deleted) return fail("not_found", `message ${seq} was deleted`);
  return ok(target);
}

/** The target's state after the action, and what the action's own row keeps; or why it is refused. */
export function planAction(
  target: Entry,
  request: ActionRequest,
  context: ActionContext,
): Result<{ state: Entry; detail: StoredAction }> {
  switch (request.kind) {
    case "edit": {
      if (target.senderId !== context.actor) return fail("forbidden", "only the sender edits a message");
      if (context.now - target.sentAt > context.editWindowMs)
        return fail("forbidden", `a message can be edited for ${Math.round(context.editWindowMs / 60_000)} min`);
      return ok({
        state: { ...target, body: request.body, editedAt: context.now },
        detail: { kind: "edit", target: target.seq },
      });
    }
    case "delete": {
      const admin = context.kind === "group" && context.admin;
      if (target.senderId !== context.actor && !admin)
        return fail("forbidden", "only the sender (or a group's admin) deletes a message");
      return ok({
        state: { ...target, body: "", editedAt: null, deleted: true, reactions: [] },
        detail: { kind: "delete", target: target.seq },
      });
    }
    case "react": {
      const reactions = react(target.reactions, context.actor, request.emoji, request.on);
      if (!reactions.ok) return reactions;
      return ok({
        state: { ...target, reactions: reactions.value },
        detail: { kind: "react", target: target.seq, emoji: request.emoji, on: request.on },
      });
    }
  }
}

function react(reactions: Entry["reactions"], actor: string, emoji: string, on: boolean): Result<Entry["reactions"]> {
  const next = reactions.map(([e, users]): [string, string[]] => [e, users.filter((u) => e !== emoji || u !== actor)]);
  if (on) {
    const mine = reactions.filter(([e, users]) => e !== emoji && users.includes(actor)).length;
    if (mine >= MAX_REACTIONS_PER_USER)
      return fail("too_large", `at most ${MAX_REACTIONS_PER_USER} different reactions per user on a message`);
    const existing = next.find(([e]) => e === emoji);
    if (existing) existing[1].push(actor);
    else if (reactions.length >= MAX_REACTION_EMOJI)
      return fail("too_large", `at most ${MAX_REACTION_EMOJI} different reactions on a message`);
    else next.push([emoji, [actor]]);
  }
  return ok(next.filter(([, users]) => users.length > 0));
}

/** A message's reactions as devices see them. */
export function reactionsOf(entry: Entry): Reaction[] | undefined {
  if (entry.reactions.length === 0) return undefined;
  return entry.reactions.map(([emoji, users]) => ({
    emoji,
    count: users.length,
    users: users.slice(0, REACTION_USERS_SHOWN),
  }));
}

/** An action as devices see it, from its row and its target's current state (absent: no longer kept). */
export function actionOf(detail: StoredAction, target: Entry | undefined): Action {
  switch (detail.kind) {
    case "edit":
      return {
        kind: "edit",
        target: detail.target,
        body: target && !target.deleted ? target.body : "",
        editedAt: target?.editedAt ?? 0,
      };
    case "delete":
      return { kind: "delete", target: detail.target };
    case "react": {
      const count = target?.reactions.find(([e]) => e === detail.emoji)?.[1].length ?? 0;
      return { kind: "react", target: detail.target, emoji: detail.emoji, on: detail.on, count };
    }
  }
}

/** What a reply shows of the message it quotes. */
export function quoteOf(seq: number, target: Entry | undefined): Quote {
  if (!target) return { seq };
  if (target.deleted) return { seq, senderId: target.senderId, deleted: true };
  return { seq, senderId: target.senderId, snippet: snippetOf(target.body) };
}
