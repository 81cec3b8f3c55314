import { describe, expect, it } from "vitest";
import { ConversationOrder } from "../../client/conversation-order.js";
import type { Message } from "../../protocol/index.js";

const message = (seq: number): Message => ({
  conversationId: "c",
  seq,
  senderId: "a",
  clientMsgId: `m${seq}`,
  body: "x",
  sentAt: 0,
});

describe("ConversationOrder hands the app each message of a conversation exactly once, in seq order", () => {
  it("drops repeats and holds messages behind a gap until it is filled", () => {
    const order = new ConversationOrder(0);
    expect(order.accept(message(1)).map((m) => m.seq)).toEqual([1]);
    expect(order.accept(message(1))).toEqual([]);
    expect(order.accept(message(3))).toEqual([]);
    expect(order.hasGap).toBe(true);
    expect(order.accept(message(2)).map((m) => m.seq)).toEqual([2, 3]);
    expect(order.hasGap).toBe(false);
    expect(order.position).toBe(3);
  });

  it("resumes from a stored position, and skips ahead on a resync, handing over what waited past it", () => {
    const order = new ConversationOrder(10);
    expect(order.accept(message(10))).toEqual([]);
    expect(order.accept(message(11)).map((m) => m.seq)).toEqual([11]);
    expect(order.accept(message(15))).toEqual([]);
    expect(order.skipTo(14).map((m) => m.seq)).toEqual([15]);
    expect(order.position).toBe(15);
  });
});

describe("ConversationOrder.passTo", () => {
  it("hands over what it holds up to a seq the server has sent all of, passing over holes, then what follows", () => {
    const order = new ConversationOrder(0);
    expect(order.accept(message(3))).toEqual([]);
    expect(order.accept(message(5))).toEqual([]);
    expect(order.accept(message(8))).toEqual([]);
    expect(order.passTo(4).map((m) => m.seq)).toEqual([3, 5]);
    expect(order.position).toBe(5);
    expect(order.hasGap).toBe(true);
    expect(order.passTo(2)).toEqual([]);
    expect(order.accept(message(6)).map((m) => m.seq)).toEqual([6]);
    expect(order.passTo(7).map((m) => m.seq)).toEqual([8]);
    expect(order.position).toBe(8);
    expect(order.hasGap).toBe(false);
  });
});
