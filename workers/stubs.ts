/**
 * How the Worker addresses Durable Objects: one UserSession per user, one Conversation per conversation, both by name
 * (`idFromName`), so each knows whose it is (`ctx.id.name`). A stub is typed with its class's RPC interface
 * (durable-objects/rpc.ts); the session's also takes the WebSocket upgrade (`fetch`).
 */
import type { ObjectEnv } from "../durable-objects/env.js";
import type { ConversationRpc, Remote, UserSessionRpc } from "../durable-objects/rpc.js";

export function userSession(
  env: ObjectEnv,
  userId: string,
): Remote<UserSessionRpc> & { fetch(request: Request): Promise<Response> } {
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(userId));
}

export function conversation(env: ObjectEnv, conversationId: string): Remote<ConversationRpc> {
  return env.CONVERSATION.get(env.CONVERSATION.idFromName(conversationId));
}

/**
 * A direct conversation's id is the same whoever creates it: `d:` + base64url(SHA-256(sorted pair)). Hashing
 * keeps it within the id alphabet and length (user ids may contain dots and be 64 chars each).
 */
export async function directConversationId(a: string, b: string): Promise<string> {
  const [x, y] = a < b ? [a, b] : [b, a];
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${x}\n${y}`));
  const base64 = btoa(String.fromCharCode(...new Uint8Array(digest)));
  return `d:${base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

export function groupConversationId(): string {
  return `g:${crypto.randomUUID()}`;
}
