import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { startEdge, TEST_SECRET } from "../support/edge.js";
import { upgradeStatus } from "../support/socket.js";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge();
const now = () => Math.floor(Date.now() / 1000);

describe("authentication", () => {
  it("refuses missing, forged, expired and exp-less tokens with 401 in the error shape", async () => {
    const tokens = {
      missing: undefined,
      garbage: "not.a.jwt",
      forged: await sign({ sub: "alice", exp: now() + 60 }, "some-other-secret", "HS256"),
      expired: await sign({ sub: "alice", exp: now() - 120 }, TEST_SECRET, "HS256"),
      noExp: await sign({ sub: "alice" }, TEST_SECRET, "HS256"),
      badSub: await sign({ sub: "not valid!", exp: now() + 60 }, TEST_SECRET, "HS256"),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const reply = await fx.api.raw(
        "GET",
        "/v1/conversations",
        undefined,
        token ? { Authorization: `Bearer ${token}` } : {},
      );
      expect({ name, status: reply.status, code: reply.body.error?.code }).toEqual({
        name,
        status: 401,
        code: "unauthorized",
      });
      expect(
        await upgradeStatus(`${fx.edge.wsUrl}/v1/connect`, token ? { Authorization: `Bearer ${token}` } : {}),
      ).toBe(401);
      expect(
        (await fx.api.raw("POST", "/v1/connect/ticket", undefined, token ? { Authorization: `Bearer ${token}` } : {}))
          .status,
      ).toBe(401);
    }
  });

  it("accepts a valid token in the header or (for browsers) a one-time ticket; refuses a bad device id", async () => {
    const token = await sign({ sub: "alice-auth", exp: now() + 60 }, TEST_SECRET, "HS256");
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await fx.api.raw("GET", "/v1/conversations", undefined, bearer)).status).toBe(200);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect`, bearer)).toBe(101);
    const { ticket } = (await fx.api.raw("POST", "/v1/connect/ticket", undefined, bearer)).body;
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?ticket=${ticket}`)).toBe(101);
    expect(await upgradeStatus(`${fx.edge.wsUrl}/v1/connect?device=bad%20device`, bearer)).toBe(400);
    expect((await fx.api.raw("GET", "/v1/connect", undefined, bearer)).status).toBe(400);
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
