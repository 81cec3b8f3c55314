import { describe, expect, it } from "vitest";
import { ok, type Result, type SendResult } from "../../protocol/index.js";
import { loopIsQuiet, nextTurn } from "../../durable-objects/shared/next-turn.js";
import type { Outgoing } from "../../durable-objects/rpc.js";
import { SendQueue } from "../../durable-objects/user-session/send-queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue whose calls answer after `callMs`, recording what each call carried and when replies ran. */
function recorded(callMs = 5) {
  const calls: string[][] = [];
  const events: string[] = [];
  const queue = new SendQueue(async (_conversationId, items: Outgoing[]) => {
    calls.push(items.map((i) => i.clientMsgId));
    await sleep(callMs);
    return ok(items.map((_, n) => ok({ seq: calls.length * 100 + n, sentAt: 0, duplicate: false })));
  });
  const send = (id: string) => queue.enqueue("c1", { clientMsgId: id, body: "x" }, () => events.push(`reply ${id}`));
  return { calls, events, send };
}

/** A loaded test machine can make a timer late: wait for one that came on time (what `quiet` means). */
async function untilQuiet(): Promise<void> {
  for (let i = 0; i < 100 && !loopIsQuiet(); i++) await new Promise<void>((r) => nextTurn(r));
  expect(loopIsQuiet()).toBe(true);
}

describe("SendQueue", () => {
  it("sends a burst of one turn in one call, and what comes meanwhile in the next, in order", async () => {
    const { calls, send } = recorded();
    send("a");
    send("b");
    expect(calls).toEqual([]); // not before the next turn: the burst's other frames get in first
    await sleep(1);
    send("c");
    await sleep(30);
    expect(calls).toEqual([["a", "b"], ["c"]]);
  });

  it("replies to each send of a call in the order they were queued", async () => {
    const { events, send } = recorded();
    send("a");
    send("b");
    await sleep(30);
    expect(events).toEqual(["reply a", "reply b"]);
  });

  it("starts a call at once after an idle gap while the runtime is quiet", async () => {
    const { calls, send } = recorded(1);
    send("a");
    await sleep(150);
    await untilQuiet();
    send("b");
    expect(calls).toEqual([["a"], ["b"]]);
    send("c"); // a call is in flight: this one waits for it
    expect(calls).toHaveLength(2);
    await sleep(30);
    expect(calls).toEqual([["a"], ["b"], ["c"]]);
  });

  it("answers a call that could not be made 'unavailable' without a word of its error, which goes to the log; what waited behind it fails too", async () => {
    const logged: unknown[] = [];
    let calls = 0;
    const queue = new SendQueue(
      async () => {
        calls++;
        await sleep(5);
        throw new Error("Durable Object reset because its code was updated (internal detail)");
      },
      (_conversationId, error) => logged.push(error),
    );
    const replies: Result<SendResult>[] = [];
    queue.enqueue("c1", { clientMsgId: "a", body: "x" }, (r) => replies.push(r));
    await sleep(1);
    queue.enqueue("c1", { clientMsgId: "b", body: "x" }, (r) => replies.push(r));
    await sleep(30);
    expect(calls).toBe(1);
    expect(replies).toEqual([
      {
        ok: false,
        error: { code: "unavailable", message: "conversation unavailable, retry with the same clientMsgId" },
      },
      {
        ok: false,
        error: { code: "unavailable", message: "conversation unavailable, retry with the same clientMsgId" },
      },
    ]);
    expect(logged).toHaveLength(1);
  });
});
