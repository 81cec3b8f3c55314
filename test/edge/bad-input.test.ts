import { request } from "node:http";
import { describe, expect, it } from "vitest";
import type { Reply } from "../support/api.js";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge();

describe("bad input gets a clear error, the socket stays open, nothing is stored", () => {
  it("answers each bad frame with an error frame and keeps serving the socket", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const socket = await alice.connect();
    const bad: [string | object, string, string?][] = [
      ["{not json", "bad_request"],
      ["[1,2]", "bad_request"],
      [{ type: "launch" }, "bad_request"],
      [{ type: "send", clientMsgId: "m1", conversationId: id }, "bad_request", "m1"],
      [{ type: "send", clientMsgId: "m2", conversationId: id, body: 42 }, "bad_request", "m2"],
      [{ type: "send", clientMsgId: "m3", conversationId: id, body: "" }, "bad_request", "m3"],
      [{ type: "send", clientMsgId: "m4", conversationId: id, body: "x".repeat(4097) }, "too_large", "m4"],
      [{ type: "send", clientMsgId: "m 5", conversationId: id, body: "x" }, "bad_request", "m 5"],
      [{ type: "sync", since: "zero" }, "bad_request"],
      [{ type: "fetch", conversationId: id, after: -1 }, "bad_request"],
      [{ type: "focus", conversationId: 7 }, "bad_request"],
      [{ type: "read", conversationId: id }, "bad_request"],
      ["x".repeat(200_000), "too_large"],
    ];
    for (const [frame, code, clientMsgId] of bad) {
      socket.send(frame);
      const error = await socket.waitForType("error");
      expect(error).toMatchObject({ type: "error", code, message: expect.any(String) });
      expect(error.clientMsgId).toBe(clientMsgId);
    }
    socket.ws.send(Buffer.from([1, 2, 3]));
    expect(await socket.waitForType("error")).toMatchObject({ code: "bad_request" });
    socket.send('{"type": "ping"}');
    await socket.waitForType("pong");
    expect(socket.closed).toBeNull();
    expect((await alice.history(id)).body.messages).toEqual([]);
  });

  it("a send to a foreign or unknown conversation is forbidden, with its clientMsgId, and stores nothing", async () => {
    const [alice, bob, mallory] = await fx.users("alice", "bob", "mallory");
    const id = await alice.direct(bob.userId);
    const socket = await mallory.connect();
    socket.send({ type: "send", clientMsgId: "evil", conversationId: id, body: "let me in" });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden", clientMsgId: "evil" });
    socket.send({ type: "send", clientMsgId: "evil2", conversationId: "g:does-not-exist", body: "hi" });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden", clientMsgId: "evil2" });
    socket.send({ type: "typing", conversationId: id });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden" });
    socket.send({ type: "read", conversationId: id, seq: 1 });
    expect(await socket.waitForType("error")).toMatchObject({ code: "forbidden" });
    expect((await alice.history(id)).body.messages).toEqual([]);
  });

  it("HTTP: malformed JSON 400, oversized body 413, unknown route 404, all in the error shape", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const cases: [string, string, unknown, number, string][] = [
      ["POST", `/v1/conversations/${id}/messages`, "{oops", 400, "bad_request"],
      ["POST", `/v1/conversations/${id}/messages`, { clientMsgId: "m1", body: "€".repeat(2000) }, 413, "too_large"],
      ["POST", `/v1/conversations/${id}/messages`, { body: "no id" }, 400, "bad_request"],
      ["GET", "/v1/conversations/bad%20id", undefined, 400, "bad_request"],
      ["GET", "/v1/nothing-here", undefined, 404, "not_found"],
      ["GET", "/v1/presence?users=", undefined, 400, "bad_request"],
      [
        "GET",
        `/v1/presence?users=${Array.from({ length: 101 }, (_, i) => `u${i}`).join(",")}`,
        undefined,
        400,
        "bad_request",
      ],
      [
        "POST",
        "/v1/push/subscriptions",
        { endpoint: "not a url", keys: { p256dh: "a", auth: "b" } },
        400,
        "bad_request",
      ],
    ];
    for (const [method, path, body, status, code] of cases) {
      const reply = await alice.call(method, path, body);
      expect({ path, status: reply.status, code: reply.body?.error?.code }).toEqual({ path, status, code });
      expect(reply.body.error.message).toEqual(expect.any(String));
    }
    const announced = await announceBody(`${fx.edge.url}/v1/conversations/${id}/messages`, alice.token, 100_000);
    expect({ status: announced.status, code: announced.body?.error?.code }).toEqual({ status: 413, code: "too_large" });
    expect((await alice.history(id)).body.messages).toEqual([]);
  });
});

/**
 * A POST whose Content-Length announces `length` bytes, of which none are sent: the edge must refuse it from
 * the header alone. (Sending the body races the answer: the runtime closes a connection whose body it did
 * not read, and the client's write can fail with ECONNRESET before the 413 is read.)
 */
function announceBody(url: string, token: string, length: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Content-Length": length },
    });
    req.on("response", (res) => {
      let text = "";
      res
        .setEncoding("utf8")
        .on("data", (chunk: string) => (text += chunk))
        .on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        });
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}
