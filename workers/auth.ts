/**
 * Client authentication: JWT HS256 with `sub` = userId and a required `exp` (hono/jwt does the crypto and
 * the expiry check). HTTP sends the token as a Bearer header; a browser WebSocket cannot, so `?token=` too.
 */
import type { MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import { USER_ID } from "../protocol/index.js";
import type { AppEnv } from "./context.js";
import { raise } from "./errors.js";

const DEV_TOKEN_TTL_S = 24 * 3600;

export async function issueToken(secret: string, userId: string, ttlSeconds = DEV_TOKEN_TTL_S): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + ttlSeconds }, secret, "HS256");
}

/** The userId a token proves, or null for a missing, forged, expired or malformed token. */
export async function verifyToken(secret: string | undefined, token: string | undefined | null): Promise<string | null> {
  if (!secret || !token) return null;
  try {
    const payload = await verify(token, secret, "HS256");
    if (typeof payload.exp !== "number" || typeof payload.sub !== "string" || !USER_ID.test(payload.sub)) return null;
    return payload.sub;
  } catch {
    return null;
  }
}

export function tokenFrom(header: string | undefined, query: string | undefined): string | undefined {
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? query;
}

/** Requires a valid token; sets `userId`. The WebSocket route also accepts `?token=`. */
export function requireUser(opts: { allowQueryToken: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = tokenFrom(c.req.header("Authorization"), opts.allowQueryToken ? c.req.query("token") : undefined);
    const userId = await verifyToken(c.get("config").authSecret, token);
    if (!userId) return raise("unauthorized", token ? "invalid or expired token" : "missing token");
    c.set("userId", userId);
    await next();
  };
}
