/**
 * Tokens an attacker could present: signed with a guessed secret, `alg: none`, a valid token with its subject
 * swapped, expired or without `exp` (signed with the real test secret, so only the claims are wrong), garbage.
 * Every one of them must be refused with 401, on the WebSocket upgrade and on HTTP alike.
 */
import { createHmac } from "node:crypto";
import WebSocket from "ws";
import { TEST_SECRET } from "../../test/support/edge.js";

const b64 = (value: object | string) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

function jwt(payload: object, secret: string | null): string {
  const header = b64({ alg: secret === null ? "none" : "HS256", typ: "JWT" });
  const body = b64(payload);
  const signature = secret === null ? "" : createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}

/** The forged tokens for impersonating `victim`, given the attacker's own valid token. */
export function forgedTokens(victim: string, ownToken: string): string[] {
  const now = Math.floor(Date.now() / 1000);
  const [header, , signature] = ownToken.split(".");
  return [
    jwt({ sub: victim, exp: now + 3600 }, "guessed-secret"),
    jwt({ sub: victim, exp: now + 3600 }, null),
    `${header}.${b64({ sub: victim, exp: now + 3600 })}.${signature}`,
    jwt({ sub: victim, exp: now - 60 }, TEST_SECRET),
    jwt({ sub: victim }, TEST_SECRET),
    "not.a.token",
  ];
}

/** One upgrade attempt: true when the server accepted the socket (a security failure). */
export function tryUpgrade(wsUrl: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/v1/connect?device=x`, {
      handshakeTimeout: 10_000,
      headers: { Authorization: `Bearer ${token}` },
    });
    ws.once("open", () => {
      ws.terminate();
      resolve(true);
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode !== 401);
    });
    ws.once("error", () => resolve(false));
  });
}

/** One HTTP send with a forged token: true when it was not refused with 401. */
export async function tryHttpSend(url: string, token: string, conversationId: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ clientMsgId: "forged", body: "forged" }),
  });
  await res.arrayBuffer();
  return res.status !== 401;
}
