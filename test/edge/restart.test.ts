import { describe, expect, it } from "vitest";
import { useEdge, type TestUser } from "../support/fixtures.js";
import { TestSocket } from "../support/socket.js";

const fx = useEdge({ bindings: { RATE_LIMIT_PER_SEC: "10000", RATE_LIMIT_BURST: "10000", FANOUT_RETRY_MS: "200" } });

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("durability across a crash (SIGKILL) or restart of the runtime, on the same persisted state", () => {
  it("keeps every acked message in history and completes every member's inbox after the restart", async () => {
    const users = await fx.users(...Array.from({ length: 30 }, (_, i) => `u${i}`));
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const id = await alice.group(users.slice(1).map((u) => u.userId), "durable");
    const sender = await alice.connect();
    const watcher = await users[29]!.connect();
    const n = 400;
    for (let i = 0; i < n; i++) sender.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: `b${i}` });
    await sender.waitForCount((f) => f.type === "ack", 100);
    const seenAtCrash = watcher.messages().length;
    await fx.edge.crash();
    const acked = sender.frames.filter((f) => f.type === "ack").map((f) => f.seq as number);
    expect(acked.length).toBeGreaterThanOrEqual(100);
    // The crash must land mid fan-out for this test to prove anything: a member still owed acked messages.
    expect(seenAtCrash).toBeLessThan(acked.length);

    const history = await bob.history(id, "?after=0&limit=100");
    const stored = new Set<number>();
    for (let after = 0, more = true; more; ) {
      const page = await bob.history(id, `?after=${after}&limit=100`);
      for (const m of page.body.messages) stored.add(m.seq);
      more = page.body.hasMore;
      after = page.body.messages.at(-1)?.seq ?? after;
    }
    expect(history.status).toBe(200);
    for (const seq of acked) expect(stored.has(seq)).toBe(true);
    expect([...stored].sort((a, b) => a - b)).toEqual(range(stored.size));

    for (const user of [bob, carol, alice]) {
      await expect.poll(async () => inboxSeqs(await user.connect(`check-${Date.now()}`), id), { timeout: 15_000, interval: 300 }).toEqual(range(stored.size));
    }
  });

  it("a device resumes by cursor after the restart and gets what was sent meanwhile exactly once", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bobSocket = await bob.connect();
    await alice.send(id, "before", "before restart");
    const seen = await bobSocket.waitForType("message");
    await fx.edge.restart();
    await alice.send(id, "after", "after restart");
    const again = await TestSocket.open(fx.edge.wsUrl, bob.token);
    again.send({ type: "sync", after: seen.cursor });
    const synced = await again.waitForType("synced");
    expect(again.messages().map((m) => [m.cursor, m.body])).toEqual([[2, "after restart"]]);
    expect(synced).toMatchObject({ cursor: 2, latest: 2, more: false });
    await again.close();
  });
});

async function inboxSeqs(socket: TestSocket, conversationId: string): Promise<number[]> {
  socket.send({ type: "sync", after: 0, limit: 1000 });
  await socket.waitForType("synced");
  const frames = socket.messages();
  await socket.close();
  expect(frames.map((f) => f.cursor)).toEqual(range(frames.length));
  return frames.filter((f) => f.conversationId === conversationId).map((f) => f.seq);
}
