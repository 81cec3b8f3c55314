import { describe, expect, it } from "vitest";
import { InboxOrder } from "../../client/inbox-order.js";
import type { MessageFrame } from "../../protocol/index.js";

const frame = (cursor: number): MessageFrame => ({ type: "message", cursor, conversationId: "c", seq: cursor, senderId: "a", clientMsgId: `m${cursor}`, body: "x", sentAt: 0 });

describe("InboxOrder hands the app each inbox entry exactly once, in cursor order", () => {
  it("drops repeats and holds frames behind a gap until it is filled", () => {
    const order = new InboxOrder(0);
    expect(order.accept(frame(1)).map((f) => f.cursor)).toEqual([1]);
    expect(order.accept(frame(1))).toEqual([]);
    expect(order.accept(frame(3))).toEqual([]);
    expect(order.hasGap).toBe(true);
    expect(order.accept(frame(2)).map((f) => f.cursor)).toEqual([2, 3]);
    expect(order.hasGap).toBe(false);
    expect(order.cursor).toBe(3);
  });

  it("resumes from a stored cursor", () => {
    const order = new InboxOrder(10);
    expect(order.accept(frame(10))).toEqual([]);
    expect(order.accept(frame(11)).map((f) => f.cursor)).toEqual([11]);
  });
});
