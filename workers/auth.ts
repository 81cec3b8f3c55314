/**
 * Client authentication: JWT HS256 with `sub` = userId and a required `exp`. hono/jwt checks the signature; the
 * claims are checked here, with a clock-skew leeway (a phone's clock is rarely exact) and a maximum lifetime (a
 * token that never expires is a password that cannot be changed). HTTP sends the token as a Bearer header. A
 * browser's WebSocket cannot set headers, and a token in a URL ends up in request logs, so the upgrade also
 * takes a one-time ticket (`POST /v1/connect/ticket`, see durable-objects/user-session/tickets.ts).
 */
import type { MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import { USER_ID } from "../protocol/index.js";
import type { EdgeConfig } from "../durable-objects/config.js";
import type { AppEnv } from "./context.js";
import { raise } from "./errors.js";

const DEV_TOKEN_TTL_S = 24 * 3600;
/** How far a token's times may be off from this clock. */
export const CLOCK_SKEW_S = 60;

export async function issueToken(secret: string, userId: string, ttlSeconds = DEV_TOKEN_TTL_S): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + ttlSeconds }, secret, "HS256");
}

type TokenConfig = Pick<EdgeConfig, "authSecret" | "authSecretPrevious" | "tokenMaxLifetimeS">;

/**
 * The userId a token proves, or null for a missing, forged, expired, too long-lived or malformed token. A token
 * signed with AUTH_SECRET_PREVIOUS is accepted too, so the secret can be rotated without signing everyone out.
 */
export async function verifyToken(config: TokenConfig, token: string | undefined | null): Promise<string | null> {
  if (!token) return null;
  for (const secret of [config.authSecret, config.authSecretPrevious]) {
    if (!secret) continue;
    try {
      const claims = await verify(token, secret, { alg: "HS256", exp: false, nbf: false, iat: false });
      return claimsHold(claims, config.tokenMaxLifetimeS, Date.now() / 1000) ? (claims.sub as string) : null;
    } catch {
      // Not this secret's, or not a token at all.
    }
  }
  return null;
}

function claimsHold(claims: Record<string, unknown>, maxLifetimeS: number, now: number): boolean {
  const { sub, exp, iat, nbf } = claims;
  if (typeof sub !== "string" || !USER_ID.test(sub)) return false;
  if (!isTime(exp) || exp + CLOCK_SKEW_S <= now) return false;
  if (iat !== undefined && (!isTime(iat) || iat - CLOCK_SKEW_S > now)) return false;
  if (nbf !== undefined && (!isTime(nbf) || nbf - CLOCK_SKEW_S > now)) return false;
  // Without `iat` the lifetime left is what counts.
  return exp - (typeof iat === "number" ? iat : now) <= maxLifetimeS;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Requires a valid Bearer token; sets `userId`. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("Authorization"));
    const userId = await verifyToken(c.get("config"), token);
    if (!userId) return raise("unauthorized", token ? "invalid or expired token" : "missing token");
    c.set("userId", userId);
    await next();
  };
}
