/** `GET /v1/connect`: authenticates, then hands the upgrade to the caller's UserSession, which holds the socket. */
import { Hono } from "hono";
import { DEFAULT_DEVICE_ID, DEVICE_ID } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { raise } from "../errors.js";
import { userSession } from "../stubs.js";

export const connect = new Hono<AppEnv>();

connect.get("/", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") raise("bad_request", "expected a WebSocket upgrade");
  const deviceId = c.req.query("device") || DEFAULT_DEVICE_ID;
  if (!DEVICE_ID.test(deviceId)) raise("bad_request", "device must be 1-64 chars of [A-Za-z0-9_-]");
  const userId = c.get("userId");
  // A fresh request: only the identity this Worker verified reaches the object, never client-set headers.
  const upgrade = new Request("https://user-session/connect", {
    headers: { Upgrade: "websocket", "X-User-Id": userId, "X-Device-Id": deviceId },
  });
  return userSession(c.env, userId).fetch(upgrade);
});
