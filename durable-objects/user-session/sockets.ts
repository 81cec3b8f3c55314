/**
 * Per-socket identity survives hibernation in the socket's attachment; the device id is also the socket's
 * tag, so `getWebSockets(deviceId)` finds a device's older connection without waking anything else.
 */
import type { ChatError } from "../../protocol/index.js";
import { errorFrame } from "./server-frames.js";

export interface SocketIdentity {
  userId: string;
  deviceId: string;
  connectedAt: number;
  /** The conversation this device shows on a visible screen (`focus`): what arrives there is read. */
  focus?: string | null;
  /** Set while a retryable refusal of this device's send is outstanding (see send-order.ts). */
  heldBy?: HeldBy;
}

export interface HeldBy {
  clientMsgId: string;
  error: ChatError;
  retryAt: number;
  expiresAt: number;
}

/** A hibernatable socket's attachment (the runtime's WebSocket has it): what is kept there survives hibernation. */
export interface Attachable {
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** The attachment as last read or written while this object is awake: read once, not once per frame. */
const identities = new WeakMap<Attachable, SocketIdentity>();

export function identityOf(ws: Attachable): SocketIdentity | null {
  let identity = identities.get(ws);
  if (!identity) {
    identity = (ws.deserializeAttachment() as SocketIdentity | null) ?? undefined;
    if (identity) identities.set(ws, identity);
  }
  return identity ?? null;
}

/** Writes the identity into the socket's attachment (it survives hibernation there) and the awake copy. */
export function saveIdentity(ws: Attachable, identity: SocketIdentity): void {
  ws.serializeAttachment(identity);
  identities.set(ws, identity);
}

/** Sends without throwing: a socket may close between the moment it was listed and the send. */
export function sendTo(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closed meanwhile; the device catches up (sync, fetch) when it reconnects.
  }
}

export function broadcast(sockets: WebSocket[], text: string): void {
  for (const ws of sockets) sendTo(ws, text);
}

/** The reciprocal close; the socket may already be gone, which is fine. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/** Sockets with a `sync` or `fetch` being answered (memory only: an answer in flight keeps the object awake). */
const busy = new WeakSet<WebSocket>();

/** One `sync` or `fetch` answered at a time per socket: its pages go out whole before the next is taken. */
export async function exclusive(ws: WebSocket, work: () => Promise<void>): Promise<void> {
  if (busy.has(ws))
    return sendTo(
      ws,
      errorFrame({
        code: "rate_limited",
        message: "a sync or fetch is already being answered on this socket",
        retryAfterMs: 100,
      }),
    );
  busy.add(ws);
  try {
    await work();
  } finally {
    busy.delete(ws);
  }
}
