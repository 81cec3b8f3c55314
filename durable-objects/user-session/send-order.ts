/**
 * A device's sends are sequenced in the order it sent them (protocol guarantee 1), also when one is refused
 * for a retryable reason (rate limited, conversation unavailable). If a later send were accepted while the
 * refused one waits for its retry, the two would be sequenced out of order. So after such a refusal the socket
 * is held: every later send from it is refused the same way until the device sends the refused clientMsgId
 * again (clients retry their unacknowledged sends in order, see client/chat-client.ts). The hold lives in the
 * socket's attachment, so it survives hibernation, and expires so that a client that gives up is not stuck.
 */
import { RETRYABLE_CODES, type ChatError } from "../../protocol/index.js";
import { identityOf, saveIdentity, type Attachable } from "./sockets.js";

const HOLD_EXPIRES_MS = 60_000;

/** The refusal for a send that must wait behind an earlier refused one, or null when it may proceed. */
export function heldBack(ws: Attachable, clientMsgId: string, now = Date.now()): ChatError | null {
  const identity = identityOf(ws);
  const held = identity?.heldBy;
  if (!identity || !held) return null;
  if (held.clientMsgId === clientMsgId || now > held.expiresAt) {
    delete identity.heldBy;
    saveIdentity(ws, identity);
    return null;
  }
  return {
    code: held.error.code,
    message: `held back until ${held.clientMsgId} is retried (a device's sends are sequenced in order): ${held.error.message}`,
    retryAfterMs: Math.max(0, held.retryAt - now),
  };
}

/** Holds the socket after a retryable refusal of `clientMsgId`, unless an earlier refusal already holds it. */
export function holdBack(ws: Attachable, clientMsgId: string, error: ChatError, now = Date.now()): void {
  const identity = identityOf(ws);
  if (!identity || identity.heldBy || !RETRYABLE_CODES.has(error.code)) return;
  identity.heldBy = { clientMsgId, error, retryAt: now + (error.retryAfterMs ?? 0), expiresAt: now + HOLD_EXPIRES_MS };
  saveIdentity(ws, identity);
}
