/**
 * A device's messages must be sequenced in the order the app sent them (protocol guarantee 1), also when the
 * edge refuses some for a while and the client retries them. The chaos audit checks this ("sender order
 * broken"); this is the smallest run that breaks it: one device, one conversation, a burst over the rate limit.
 */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChatClient } from "../../client/index.js";
import { useEdge } from "../support/fixtures.js";

const fx = useEdge({ bindings: { RATE_LIMIT_PER_SEC: "5", RATE_LIMIT_BURST: "5" } });

describe("ChatClient send order under the rate limit", () => {
  it("sequences a burst in the order the app sent it, even though the edge refused part of it at first", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const client = new ChatClient({
      url: fx.edge.url,
      token: alice.token,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    await client.connect();
    try {
      const acks = await Promise.all(Array.from({ length: 15 }, (_, i) => client.send(id, `m${i}`, `m${i}`)));
      expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    } finally {
      client.close();
    }
  }, 30_000);
});
