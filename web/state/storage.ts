/**
 * What the page remembers across reloads. Per user (localStorage, shared by every tab of this browser): the
 * token, each conversation's position and the sync time to resume from, and the sends and actions not yet
 * acknowledged, so a reload loses none of them
 * (they are sent again with the same clientMsgId, which the server turns into the same message); the messages the
 * user hid (a sync tells only what was hidden since its time) and the action entries past the read watermark (kept
 * out of unread counts), both as they stand at the saved positions.
 * Per tab (sessionStorage): which user this tab is signed in as and its device id, so two windows of one
 * browser can be two people, and two tabs of one person do not replace each other's socket (one per device).
 */
import type { ActionRequest, Quote } from "../../protocol/actions.js";
import type { Attachment } from "../../protocol/attachments.js";

export interface Outgoing {
  clientMsgId: string;
  conversationId: string;
  body: string;
  /** A reply: what it quotes, shown while it waits. */
  replyTo?: Quote;
  /** Files already uploaded: a resend after a reload refers to the same uploads. */
  attachments?: Attachment[];
  createdAt: number;
  /** Set once the server acknowledged it; the message frame that follows replaces the entry. */
  seq?: number;
  /** Set when the server refused it for good (too large, forbidden…): shown, never retried. */
  error?: string;
}

/** An edit, delete or reaction not acknowledged yet: sent again, with its clientMsgId, after a reload. */
export interface PendingAction {
  clientMsgId: string;
  conversationId: string;
  request: ActionRequest;
}

interface Saved {
  token: string;
  positions: Record<string, number>;
  since: number;
  outbox: Outgoing[];
  /** conversationId → seqs (see seq-sets.ts). */
  hidden: Record<string, number[]>;
  /** Hides the edge has not confirmed yet: sent again after a reconnect. */
  hiding: Record<string, number[]>;
  /** Action entries handed over past the read watermark: they are no unread messages (model.ts `unread`). */
  actions: Record<string, number[]>;
  acting: PendingAction[];
}

const userKey = (userId: string) => `chat.user.${userId}`;
const NOTHING_SAVED: Saved = {
  token: "",
  positions: {},
  since: 0,
  outbox: [],
  hidden: {},
  hiding: {},
  actions: {},
  acting: [],
};

export function loadUser(userId: string): Saved | null {
  try {
    const saved = JSON.parse(localStorage.getItem(userKey(userId)) ?? "null") as Partial<Saved> | null;
    if (typeof saved?.token !== "string") return null;
    const positions = typeof saved.positions === "object" && saved.positions !== null ? saved.positions : {};
    return {
      token: saved.token,
      positions,
      since: Number(saved.since) || 0,
      outbox: Array.isArray(saved.outbox) ? saved.outbox : [],
      hidden: seqsOf(saved.hidden),
      hiding: seqsOf(saved.hiding),
      actions: seqsOf(saved.actions),
      acting: Array.isArray(saved.acting) ? saved.acting : [],
    };
  } catch {
    return null;
  }
}

export function saveUser(userId: string, patch: Partial<Saved>): void {
  const current = loadUser(userId) ?? NOTHING_SAVED;
  localStorage.setItem(userKey(userId), JSON.stringify({ ...current, ...patch }));
}

/** Saved seqs per conversation, leaving out anything a hand or an older page version left that is not one. */
function seqsOf(saved: unknown): Record<string, number[]> {
  if (typeof saved !== "object" || saved === null) return {};
  const out: Record<string, number[]> = {};
  for (const [id, seqs] of Object.entries(saved))
    if (Array.isArray(seqs)) out[id] = seqs.filter((s): s is number => Number.isInteger(s));
  return out;
}

export function forgetUser(userId: string): void {
  localStorage.removeItem(userKey(userId));
  if (sessionStorage.getItem("chat.tabUser") === userId) sessionStorage.removeItem("chat.tabUser");
}

/** The user this tab shows: its own choice, else the last one signed in on this browser. */
export function tabUser(): string | null {
  return sessionStorage.getItem("chat.tabUser") ?? localStorage.getItem("chat.lastUser");
}

export function setTabUser(userId: string): void {
  sessionStorage.setItem("chat.tabUser", userId);
  localStorage.setItem("chat.lastUser", userId);
}

export function tabDeviceId(): string {
  let id = sessionStorage.getItem("chat.device");
  if (!id) {
    id = `web-${crypto.getRandomValues(new Uint32Array(2)).join("").slice(0, 16)}`;
    sessionStorage.setItem("chat.device", id);
  }
  return id;
}

/** The `sub` of a pasted JWT: the user it signs in as (the server checks the signature, not us). */
export function tokenUser(token: string): string | null {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === "string" && sub.length > 0 ? sub : null;
  } catch {
    return null;
  }
}
