/** The page's data and the pure rules over it (no DOM, no network), so the UI only renders. */
import { fitsBodyLimit, MAX_BODY_BYTES } from "../../protocol/limits.js";
import type { ConversationState, Message } from "../../protocol/message.js";

export interface Watermarks {
  delivered: number;
  read: number;
}

/** A conversation as the list shows it; `readSeq` is this user's read watermark. */
export interface Conv extends ConversationState {
  last?: Message;
  /** Every member's watermarks (this user's too; the ticks look only at the others). */
  receipts: Record<string, Watermarks>;
  /** How far every other member has it delivered / read (a group's receipts say only that). */
  all?: Watermarks;
}

export interface Thread {
  /** Ascending by seq, no repeats. Not necessarily the whole history: older pages load on demand. */
  messages: Message[];
  hasMore: boolean;
  loaded: boolean;
}

export type Tick = "pending" | "sent" | "delivered" | "read" | "failed";

/** What the composer is doing to a message of the open conversation besides writing a new one. */
export interface Draft {
  kind: "reply" | "edit";
  message: Message;
}

export function emptyThread(): Thread {
  return { messages: [], hasMore: false, loaded: false };
}

/** Merges messages by seq: live frames, sync replays and history pages overlap freely. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Merges a history page: a message the thread already holds stays as it is. It is as current as the entries the page
 * was handed (each action changed it), where a page asked for before an action may arrive after it, with older state.
 */
export function mergePage(list: Message[], page: Message[]): Message[] {
  const held = new Set(list.map((m) => m.seq));
  return mergeMessages(
    list,
    page.filter((m) => !held.has(m.seq)),
  );
}

/**
 * Unread messages. `lastSeq − readSeq` counts every entry of the log, actions too, and is all the edge tells; so the
 * action entries the page was handed past the watermark (`actionSeqs`) are left out. Entries it was not handed (a
 * conversation it skipped, see ChatClient's `reset`) still count.
 */
export function unread(conv: Conv, actionSeqs: readonly number[] = []): number {
  const actions = actionSeqs.filter((seq) => seq > conv.readSeq && seq <= conv.lastSeq).length;
  return Math.max(0, conv.lastSeq - conv.readSeq - actions);
}

/** A message's tick: delivered/read once every other member got/read it (one member in a direct chat). */
export function tickOf(conv: Conv, me: string, seq: number): Tick {
  const others = conv.members.filter((m) => m !== me);
  if (others.length === 0) return "sent";
  const marks = others.map((m) => conv.receipts[m] ?? { delivered: 0, read: 0 });
  const all = conv.all ?? { delivered: 0, read: 0 };
  if (all.read >= seq || marks.every((w) => w.read >= seq)) return "read";
  if (all.delivered >= seq || marks.every((w) => w.delivered >= seq)) return "delivered";
  return "sent";
}

/** Watermarks only move forward; a read implies delivered. */
export function raiseWatermarks(current: Watermarks | undefined, delivered = 0, read = 0): Watermarks {
  const r = Math.max(current?.read ?? 0, read);
  return { read: r, delivered: Math.max(current?.delivered ?? 0, delivered, r) };
}

export function peerOf(conv: Conv, me: string): string | null {
  return conv.kind === "direct" ? (conv.members.find((m) => m !== me) ?? me) : null;
}

export function titleOf(conv: Conv, me: string): string {
  if (conv.kind === "direct") return peerOf(conv, me)!;
  return conv.title || conv.members.filter((m) => m !== me).join(", ") || "Just you";
}

/** Newest activity first; conversations without messages keep their relative order at the end. */
export function sortConversations(list: Conv[]): Conv[] {
  return [...list].sort((a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0));
}

/** Why a text cannot be sent as a message body or an edit (null: it can). */
export function bodyProblem(body: string): string | null {
  if (fitsBodyLimit(body)) return null;
  return `Too large: a message holds at most ${MAX_BODY_BYTES} bytes; this one has ${new TextEncoder().encode(body).length}.`;
}

/** Splits "bob, carol  dave" into distinct names. */
export function parseNames(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((n) => n.length > 0))];
}
