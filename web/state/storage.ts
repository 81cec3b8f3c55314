/**
 * What the page remembers across reloads. Per user (localStorage, shared by every tab of this browser): the
 * token, each conversation's position and the sync time to resume from, and the sends not yet acknowledged, so a reload loses none of them
 * (they are sent again with the same clientMsgId, which the server turns into the same message).
 * Per tab (sessionStorage): which user this tab is signed in as and its device id, so two windows of one
 * browser can be two people, and two tabs of one person do not replace each other's socket (one per device).
 */
export interface Outgoing {
  clientMsgId: string;
  conversationId: string;
  body: string;
  createdAt: number;
  /** Set once the server acknowledged it; the message frame that follows replaces the entry. */
  seq?: number;
  /** Set when the server refused it for good (too large, forbidden…): shown, never retried. */
  error?: string;
}

interface Saved {
  token: string;
  positions: Record<string, number>;
  since: number;
  outbox: Outgoing[];
}

const userKey = (userId: string) => `chat.user.${userId}`;

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
    };
  } catch {
    return null;
  }
}

export function saveUser(userId: string, patch: Partial<Saved>): void {
  const current = loadUser(userId) ?? { token: "", positions: {}, since: 0, outbox: [] };
  localStorage.setItem(userKey(userId), JSON.stringify({ ...current, ...patch }));
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
