/**
 * The WebSocket upgrade, forwarded by the Worker once it authenticated the user and checked the device id: the device
 * and the ticket travel in headers of a request the Worker builds itself, never a client's. The socket is accepted
 * with the Hibernation API (an idle socket costs nothing), tagged with its device, so a device that reconnects
 * replaces its older socket; identity and focus live in the attachment and survive hibernation.
 * https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
import { errorResponse, type HelloFrame } from "../../protocol/index.js";
import type { SessionHost } from "./host.js";
import { closeQuietly, identityOf, saveIdentity } from "./sockets.js";
import type { Tickets } from "./tickets.js";

/** A user's devices: more connections than this are refused (a device reconnecting replaces its old socket). */
const MAX_SOCKETS = 32;

export interface Upgrade {
  ctx: Pick<DurableObjectState, "getWebSockets" | "acceptWebSocket">;
  host: Pick<SessionHost, "userId" | "presence">;
  tickets: Tickets;
  /** The first device connected (none was): a new connection epoch, presence, paused conversations attached. */
  firstDevice(): void;
  /** Told to devices in `hello`, so they offer an edit only while the edge takes it. */
  editWindowMs: number;
}

export function upgrade({ ctx, host, tickets, firstDevice, editWindowMs }: Upgrade, request: Request): Response {
  const deviceId = request.headers.get("X-Device-Id");
  if (!deviceId || request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return new Response("bad upgrade", { status: 400 });
  const ticket = request.headers.get("X-Ticket-Id");
  if (ticket !== null && !tickets.consume(ticket))
    return errorResponse({ code: "unauthorized", message: "unknown, used or expired ticket" });
  for (const old of ctx.getWebSockets(deviceId))
    closeQuietly(old, 4001, "replaced by a newer connection of this device");
  const live = ctx.getWebSockets().filter((ws) => identityOf(ws)?.deviceId !== deviceId);
  if (live.length >= MAX_SOCKETS)
    return errorResponse({ code: "rate_limited", message: `at most ${MAX_SOCKETS} devices connected at once` });
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [deviceId]);
  const { userId } = host;
  saveIdentity(server, { userId, deviceId, connectedAt: Date.now(), focus: null });
  const hello: HelloFrame = {
    type: "hello",
    protocol: 2,
    userId,
    deviceId,
    serverTime: Date.now(),
    heartbeatMs: host.presence.heartbeatMs,
    editWindowMs,
  };
  server.send(JSON.stringify(hello));
  if (live.length === 0) firstDevice();
  return new Response(null, { status: 101, webSocket: client });
}
