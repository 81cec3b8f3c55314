/**
 * The WebSocket upgrade. `POST /v1/connect/ticket` (Bearer token) issues a one-time ticket that lives 30 s;
 * `GET /v1/connect?ticket=…&device=…` (what browsers use: they cannot set headers on a WebSocket) or the same with
 * an `Authorization: Bearer` header hands the upgrade to the caller's UserSession, which holds the socket.
 * A long-lived token is never accepted in the URL, where request logs would keep it.
 */
import { Hono } from "hono";
import { DEFAULT_DEVICE_ID, ID_RULES } from "../../protocol/index.js";
import { readTicket } from "../../durable-objects/user-session/tickets.js";
import { bearerToken, requireUser, verifyToken } from "../auth.js";
import type { AppEnv } from "../context.js";
import { raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";

export const connect = new Hono<AppEnv>();

connect.post("/ticket", requireUser(), async (c) => {
  return c.json(unwrap(await userSession(c.env, c.get("userId")).issueTicket()));
});

connect.get("/", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") raise("bad_request", "expected a WebSocket upgrade");
  const deviceId = c.req.query("device") || DEFAULT_DEVICE_ID;
  if (!ID_RULES.deviceId.pattern.test(deviceId)) raise("bad_request", `device ${ID_RULES.deviceId.text}`);
  const { userId, ticketId } = await caller(c.get("config"), c.req.header("Authorization"), c.req.query("ticket"));
  // A fresh request: only what this Worker verified reaches the object, never client-set headers; the object
  // addressed is the user's own, which knows whose it is.
  const headers: Record<string, string> = { Upgrade: "websocket", "X-Device-Id": deviceId };
  if (ticketId !== undefined) headers["X-Ticket-Id"] = ticketId;
  return userSession(c.env, userId).fetch(new Request("https://user-session/connect", { headers }));
});

/** Who is connecting: a Bearer token, or a genuine ticket (which the user's session then accepts only once). */
async function caller(
  config: AppEnv["Variables"]["config"],
  authorization: string | undefined,
  ticket: string | undefined,
) {
  const token = bearerToken(authorization);
  if (token !== undefined) {
    const userId = await verifyToken(config, token);
    return userId ? { userId, ticketId: undefined } : raise("unauthorized", "invalid or expired token");
  }
  if (!ticket) return raise("unauthorized", "missing ticket (POST /v1/connect/ticket) or Bearer token");
  const read = await readTicket(config.authSecret, ticket);
  return read ? { userId: read.userId, ticketId: read.jti } : raise("unauthorized", "invalid or expired ticket");
}
