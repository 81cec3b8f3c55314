import { describe, expect, it } from "vitest";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";
import { TestSocket } from "../support/socket.js";

const fx = useEdge({ bindings: { ...HIGH_LIMITS, FANOUT_RETRY_MS: "200" } });

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const MEMBERS = 30;
/**
 * Whether a kill lands mid push is a race: on a fast machine every member can have every acked message when the
 * runtime dies, and pushes can even overtake the sender's acks. A kill that left nobody short proves nothing, so
 * each attempt is a new conversation, all members watched, and the first whose kill left a member without
 * committed messages is the one checked.
 */
const ATTEMPTS = 5;

interface Crashed {
  users: TestUser[];
  id: string;
  acked: number[];
  /** Messages each other member had when the runtime was killed. */
  seen: number[];
}

async function sendAndCrash(): Promise<Crashed> {
  const users = await fx.users(...Array.from({ length: MEMBERS }, (_, i) => `u${i}`));
  const id = await users[0]!.group(
    users.slice(1).map((u) => u.userId),
    "durable",
  );
  const sender = await users[0]!.connect();
  const watchers = await Promise.all(users.slice(1).map((u) => u.connect()));
  for (let i = 0; i < 400; i++) sender.send({ type: "send", clientMsgId: `m${i}`, conversationId: id, body: `b${i}` });
  await sender.waitForCount((f) => f.type === "ack", 100);
  const seen = watchers.map((w) => w.messages().length);
  await fx.edge.crash();
  return { users, id, seen, acked: sender.frames.filter((f) => f.type === "ack").map((f) => f.seq as number) };
}

/** A member was still short of committed messages: acked ones, or ones another member already had. */
const midPush = ({ seen, acked }: Crashed) => Math.min(...seen) < Math.max(acked.length, ...seen);

describe("durability across a crash (SIGKILL) or restart of the runtime, on the same persisted state", () => {
  it("keeps every acked message in history, and every member's device catches up on all of it after the restart", async () => {
    let crashed = await sendAndCrash();
    for (let attempt = 1; attempt < ATTEMPTS && !midPush(crashed); attempt++) crashed = await sendAndCrash();
    expect(midPush(crashed), `no kill of ${ATTEMPTS} landed mid push`).toBe(true);
    const { users, id, acked } = crashed;
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    expect(acked.length).toBeGreaterThanOrEqual(100);

    const stored = new Set<number>();
    for (let after = 0, more = true; more;) {
      const page = await bob.history(id, `?after=${after}&limit=100`);
      expect(page.status).toBe(200);
      for (const m of page.body.messages) stored.add(m.seq);
      more = page.body.hasMore;
      after = page.body.messages.at(-1)?.seq ?? after;
    }
    for (const seq of acked) expect(stored.has(seq)).toBe(true);
    expect([...stored].sort((a, b) => a - b)).toEqual(range(stored.size));

    for (const user of [bob, carol, alice]) {
      const device = await user.connect(`check-${Date.now()}`);
      const { conversations } = await device.sync();
      expect(conversations.find((c) => c.id === id)).toMatchObject({ lastSeq: stored.size });
      await device.fetchAll(id, 0);
      expect(device.messages().map((m) => m.seq)).toEqual(range(stored.size));
      await device.close();
    }
  });

  it("a device resumes after the restart and fetches what was sent meanwhile exactly once", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bobSocket = await bob.connect();
    await alice.send(id, "before", "before restart");
    const seen = await bobSocket.waitForType("message");
    await fx.edge.restart();
    await alice.send(id, "after", "after restart");
    const again = await TestSocket.open(fx.edge.wsUrl, bob.token);
    const { conversations } = await again.sync();
    expect(conversations.find((c) => c.id === id)).toMatchObject({ lastSeq: 2 });
    await again.fetchAll(id, seen.seq as number);
    expect(again.messages().map((m) => [m.seq, m.body])).toEqual([[2, "after restart"]]);
    await again.close();
  });
});
