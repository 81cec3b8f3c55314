import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { startEdge, type Edge } from "../support/edge.js";
import { TestSocket } from "../support/socket.js";

let edge: Edge;
let api: Api;
beforeAll(async () => {
  edge = await startEdge();
  api = new Api(edge.url);
});
afterAll(() => edge.stop());

describe("smoke", () => {
  it("delivers a message from alice to bob", async () => {
    const alice = await api.as("alice");
    const bob = await api.as("bob");
    const id = await alice.direct("bob");
    const a = await TestSocket.open(edge.wsUrl, alice.token);
    const b = await TestSocket.open(edge.wsUrl, bob.token);
    a.send({ type: "send", clientMsgId: "m1", conversationId: id, body: "hi bob" });
    const ack = await a.waitForType("ack");
    expect(ack).toMatchObject({ clientMsgId: "m1", conversationId: id, seq: 1, duplicate: false });
    const msg = await b.waitForType("message");
    expect(msg).toMatchObject({ conversationId: id, seq: 1, senderId: "alice", body: "hi bob", cursor: 1 });
    await a.close();
    await b.close();
  });
});
