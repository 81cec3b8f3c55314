import { describe, expect, it } from "vitest";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge({ bindings: { RATE_LIMIT_PER_SEC: "2", RATE_LIMIT_BURST: "5" } });

describe("per-user send rate limit (token bucket)", () => {
  it("refuses sends beyond the burst with rate_limited, retryAfterMs and the clientMsgId, storing nothing", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    for (let i = 0; i < 8; i++) socket.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: "spam" });
    const acks = await socket.waitForCount((f) => f.type === "ack", 5);
    const errors = await socket.waitForCount((f) => f.type === "error", 3);
    expect(acks.map((a) => a.clientMsgId)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    for (const e of errors) expect(e).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number), clientMsgId: expect.stringMatching(/^m[567]$/) });
    expect(errors[0]!.retryAfterMs).toBeGreaterThan(0);
    expect((await alice.history(id)).body.messages).toHaveLength(5);
  });

  it("applies to HTTP sends too (429 with retryAfterMs), and refills over time", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 0; i < 5; i++) expect((await alice.send(id, `h${i}`, "x")).status).toBe(201);
    const limited = await alice.send(id, "h5", "x");
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    await new Promise((r) => setTimeout(r, limited.body.error.retryAfterMs + 50));
    expect((await alice.send(id, "h5", "x")).status).toBe(201);
  });
});
