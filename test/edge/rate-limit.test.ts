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
    for (const e of errors)
      expect(e).toMatchObject({
        code: "rate_limited",
        retryAfterMs: expect.any(Number),
        clientMsgId: expect.stringMatching(/^m[567]$/),
      });
    expect(errors[0]!.retryAfterMs).toBeGreaterThan(0);
    expect((await alice.history(id)).body.messages).toHaveLength(5);
  });

  it("applies to HTTP sends too (429 with retryAfterMs), and refills over time", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    // Concurrent, so the bucket (2/s) cannot refill between them however slow the machine is.
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => alice.send(id, `h${i}`, "x")));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 429]);
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body.error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    await new Promise((r) => setTimeout(r, limited.body.error.retryAfterMs + 50));
    expect((await alice.send(id, "h6", "x")).status).toBe(201);
  });

  it("holds back a device's later sends after a refusal until the refused one is retried, so order holds", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    const send = (clientMsgId: string) =>
      socket.send({ type: "send", clientMsgId, conversationId: id, body: clientMsgId });
    for (let i = 0; i < 6; i++) send(`m${i}`);
    await socket.waitForCount((f) => f.type === "ack", 5);
    const refused = await socket.waitForType("error", (f) => f.clientMsgId === "m5");
    expect(refused).toMatchObject({ code: "rate_limited", clientMsgId: "m5" });
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 600));
    send("m6");
    const held = await socket.waitForType("error", (f) => f.clientMsgId === "m6");
    expect(held).toMatchObject({
      code: "rate_limited",
      clientMsgId: "m6",
      message: expect.stringContaining("held back until m5"),
    });
    send("m5");
    expect(await socket.waitForType("ack", (f) => f.clientMsgId === "m5")).toMatchObject({ seq: 6 });
    send("m6");
    expect(await socket.waitForType("ack", (f) => f.clientMsgId === "m6")).toMatchObject({ seq: 7 });
  });
});
