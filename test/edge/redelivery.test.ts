/**
 * The paths where a member is sent messages its inbox may already hold, or must be sent again what it never
 * kept: a sender's own copy (which travels back with its send's result) lost on the way, and a crash that
 * forgets the watermarks both objects save lazily. Every device must still see every message once, in order.
 */
import { describe, expect, it } from "vitest";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";
import type { TestSocket } from "../support/socket.js";

const limits = HIGH_LIMITS;
// Without an alarm in the test's time, nothing but the paths under test delivers or saves anything.
const noAlarm = useEdge({ bindings: { ...limits, FANOUT_RETRY_MS: "600000" } });
const quickAlarm = useEdge({ bindings: { ...limits, FANOUT_RETRY_MS: "300" } });

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a sender's own copy that never reached its session", () => {
  it("is delivered again by the fan-out when the other member sends, before what that member sent", async () => {
    const [alice, bob] = await noAlarm.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const aliceSocket = await alice.connect();
    // Called as alice's session would call it; the result (with alice's own copy) never reaches her session.
    const lost = await (await noAlarm.edge.conversation(id)).send(alice.userId, [{ clientMsgId: "lost-1", body: "one" }]);
    expect(lost.value?.own?.messages.map((m) => m.seq)).toEqual([1]);

    await bob.send(id, "b-2", "two");
    await aliceSocket.waitForCount((f) => f.type === "message", 2);
    expect(stream(aliceSocket)).toEqual([[1, 1, "one"], [2, 2, "two"]]);
    expect(await inbox(alice, id)).toEqual(range(1, 2));
  });

  it("is delivered again by the alarm when nothing else is sent", async () => {
    const [alice, bob] = await quickAlarm.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const aliceSocket = await alice.connect();
    const bobSocket = await bob.connect();
    await (await quickAlarm.edge.conversation(id)).send(alice.userId, [{ clientMsgId: "lost-1", body: "one" }]);
    await bobSocket.waitForType("message");
    await aliceSocket.waitForType("message", () => true, 5_000);
    expect(stream(aliceSocket)).toEqual([[1, 1, "one"]]);
  });
});

describe("a crash that loses the lazily saved watermarks", () => {
  it("makes the conversation send messages again, and each inbox keeps each one once", async () => {
    const [alice, bob] = await noAlarm.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bobSocket = await bob.connect();
    for (let i = 1; i <= 20; i++) await alice.send(id, `a-${i}`, `m${i}`);
    await bobSocket.waitForCount((f) => f.type === "message", 20);
    await noAlarm.edge.crash();

    // After the crash both fan-out watermarks read 0 again: this send makes the conversation resend 1..21.
    await bob.send(id, "b-21", "m21");
    const again = await bob.connect("after-crash");
    await expect.poll(() => inbox(bob, id), { timeout: 10_000, interval: 200 }).toEqual(range(1, 21));
    await expect.poll(() => inbox(alice, id), { timeout: 10_000, interval: 200 }).toEqual(range(1, 21));
    await again.close();
  });
});

/** [cursor, seq, body] of the message frames a socket got. */
function stream(socket: TestSocket): [number, number, string][] {
  return socket.messages().map((m) => [m.cursor as number, m.seq as number, m.body as string]);
}

/** The conversation's seqs in the user's inbox, read by a fresh device from cursor 0; cursors must be gap-free. */
async function inbox(user: { connect(device?: string): Promise<TestSocket> }, conversationId: string): Promise<number[]> {
  const socket = await user.connect(`sync-${Math.random().toString(36).slice(2)}`);
  await socket.syncAll();
  const frames = socket.messages();
  await socket.close();
  expect(frames.map((f) => f.cursor)).toEqual(range(1, frames.length));
  return frames.filter((f) => f.conversationId === conversationId).map((f) => f.seq as number);
}
