/**
 * One-time tickets for the WebSocket upgrade. A browser cannot set headers on a WebSocket, and a long-lived token
 * in a URL ends up in request logs; a ticket lives 30 s and opens one socket. The user's session issues it and
 * remembers it in memory only: a ticket is used within moments, and one the session forgot (it was evicted
 * meanwhile) is refused, never accepted twice. A ticket is a JWT signed with a key derived from AUTH_SECRET for
 * this one purpose, so the Worker refuses a forged one before any object is addressed, and a ticket is never
 * accepted as a bearer token (nor a token as a ticket).
 */
import { sign, verify } from "hono/jwt";
import { USER_ID } from "../../protocol/index.js";

export const TICKET_TTL_MS = 30_000;
/** Tickets one user may have outstanding; issuing more forgets the oldest. */
const MAX_OUTSTANDING = 16;

function ticketSecret(authSecret: string): string {
  return `${authSecret}\u0000connect-ticket`;
}

export class Tickets {
  /** Ticket id → when it expires. */
  private readonly outstanding = new Map<string, number>();

  async issue(authSecret: string, userId: string, now = Date.now()): Promise<{ ticket: string; expiresAt: number }> {
    for (const [id, expiresAt] of this.outstanding) if (expiresAt <= now) this.outstanding.delete(id);
    if (this.outstanding.size >= MAX_OUTSTANDING) this.outstanding.delete(this.outstanding.keys().next().value!);
    const jti = crypto.randomUUID();
    const expiresAt = now + TICKET_TTL_MS;
    this.outstanding.set(jti, expiresAt);
    const ticket = await sign(
      { sub: userId, jti, exp: Math.floor(expiresAt / 1000) },
      ticketSecret(authSecret),
      "HS256",
    );
    return { ticket, expiresAt };
  }

  /** True once for each ticket this session issued, within its lifetime. */
  consume(jti: string, now = Date.now()): boolean {
    const expiresAt = this.outstanding.get(jti);
    this.outstanding.delete(jti);
    return expiresAt !== undefined && expiresAt > now;
  }
}

/** Whom a genuine, unexpired ticket is for; null otherwise. The session still has to accept it (once). */
export async function readTicket(
  authSecret: string | undefined,
  ticket: string,
): Promise<{ userId: string; jti: string } | null> {
  if (!authSecret) return null;
  try {
    const claims = await verify(ticket, ticketSecret(authSecret), "HS256");
    if (typeof claims.sub !== "string" || !USER_ID.test(claims.sub) || typeof claims.jti !== "string") return null;
    return { userId: claims.sub, jti: claims.jti };
  } catch {
    return null;
  }
}
