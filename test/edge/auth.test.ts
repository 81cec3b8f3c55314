import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { startEdge, TEST_SECRET } from "../support/edge.js";
import { useEdge } from "../support/fixtures.js";
import WebSocket from "ws";

const fx = useEdge();
const now = () => Math.floor(Date.now() / 1000);

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", () => resolve(-1));
  });
}

describe("authentication", () => {
  it("refuses missing, forged, expired and exp-less tokens with 401 in the error shape", async () => {
    const tokens = {
      missing: undefined,
      garbage: "not.a.jwt",
      forged: await sign({ sub: "alice", exp: now() + 60 }, "some-other-secret", "HS256"),
      expired: await sign({ sub: "alice", exp: now() - 10 }, TEST_SECRET, "HS256"),
      noExp: await sign({ sub: "alice" }, TEST_SECRET, "HS256"),
      badSub: await sign({ sub: "not valid!", exp: now() + 60 }, TEST_SECRET, "HS256"),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const reply = await fx.api.raw("GET", "/v1/conversations", undefined, token ? { Authorization: `Bearer ${token}` } : {});
      expect({ name, status: reply.status, code: reply.body.error?.code }).toEqual({ name, status: 401, code: "unauthorized" });
      const query = token ? `?token=${token}` : "";
      expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect${query}`)).toBe(401);
    }
  });

  it("accepts a valid token in the header or (for browsers) the query; refuses a bad device id", async () => {
    const token = await sign({ sub: "alice-auth", exp: now() + 60 }, TEST_SECRET, "HS256");
    expect((await fx.api.raw("GET", "/v1/conversations", undefined, { Authorization: `Bearer ${token}` })).status).toBe(200);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?token=${token}`)).toBe(101);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect`, { Authorization: `Bearer ${token}` })).toBe(101);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?token=${token}&device=bad%20device`)).toBe(400);
    expect((await fx.api.raw("GET", `/v1/connect?token=${token}`)).status).toBe(400);
  });

  it("the dev token route answers only with DEV_AUTH=1; otherwise 404", async () => {
    expect((await fx.api.raw("POST", "/v1/dev/token", { userId: "bad user" })).status).toBe(400);
    const prod = await startEdge({ bindings: { DEV_AUTH: "0" } });
    try {
      const reply = await new Api(prod.url).raw("POST", "/v1/dev/token", { userId: "alice" });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("not_found");
      expect((await new Api(prod.url).raw("GET", "/healthz")).body).toEqual({ ok: true });
    } finally {
      await prod.stop();
    }
  });
});
