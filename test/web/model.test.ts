/** The page's pure rules: ticks, watermarks, unread counts, message merging and body limits. */
import { describe, expect, it } from "vitest";
import type { Message } from "../../protocol/message.js";
import {
  bodyProblem,
  mergeMessages,
  mergePage,
  parseNames,
  raiseWatermarks,
  tickOf,
  titleOf,
  unread,
  type Conv,
} from "../../web/state/model.js";

const conv = (over: Partial<Conv> = {}): Conv => ({
  id: "c1",
  kind: "group",
  title: "",
  members: ["alice", "bob", "carol"],
  createdAt: 0,
  creator: "alice",
  admins: ["alice"],
  invited: [],
  history: "all",
  active: true,
  lastSeq: 5,
  readSeq: 2,
  receipts: {},
  ...over,
});
const msg = (seq: number, body = `m${seq}`): Message => ({
  conversationId: "c1",
  seq,
  senderId: "bob",
  clientMsgId: `k${seq}`,
  body,
  sentAt: seq,
});

describe("ticks", () => {
  it("a message is delivered, then read, only once every other member got, then read it", () => {
    const c = conv({ receipts: { bob: { delivered: 4, read: 3 }, carol: { delivered: 3, read: 1 } } });
    expect(tickOf(c, "alice", 3)).toBe("delivered");
    expect(tickOf(c, "alice", 4)).toBe("sent");
    expect(
      tickOf(conv({ receipts: { bob: { delivered: 4, read: 4 }, carol: { delivered: 4, read: 4 } } }), "alice", 4),
    ).toBe("read");
  });

  it("a group's receipt says every other member got (read) it, whatever each member's own watermarks show", () => {
    const c = conv({ all: { delivered: 4, read: 3 } });
    expect(tickOf(c, "alice", 3)).toBe("read");
    expect(tickOf(c, "alice", 4)).toBe("delivered");
    expect(tickOf(c, "alice", 5)).toBe("sent");
  });

  it("the sender's own watermarks never count", () => {
    const c = conv({ members: ["alice", "bob"], receipts: { alice: { delivered: 9, read: 9 } } });
    expect(tickOf(c, "alice", 1)).toBe("sent");
  });

  it("watermarks only move forward, and a read implies delivered", () => {
    expect(raiseWatermarks({ delivered: 5, read: 2 }, 3, 1)).toEqual({ delivered: 5, read: 2 });
    expect(raiseWatermarks(undefined, 0, 7)).toEqual({ delivered: 7, read: 7 });
  });
});

describe("the list and the thread", () => {
  it("unread is lastSeq minus this user's readSeq, never negative", () => {
    expect(unread(conv())).toBe(3);
    expect(unread(conv({ readSeq: 9 }))).toBe(0);
  });

  it("unread leaves out the action entries past the watermark the page was handed", () => {
    expect(unread(conv(), [1, 2, 4])).toBe(2);
    expect(unread(conv({ lastSeq: 4 }), [3, 4])).toBe(0);
  });

  it("a body over the edge's limit is refused before sending, saying by how much", () => {
    expect(bodyProblem("hello")).toBeNull();
    expect(bodyProblem("é".repeat(2049))).toBe("Too large: a message holds at most 4096 bytes; this one has 4098.");
  });

  it("merging live frames, replays and history pages keeps one message per seq, in order", () => {
    const merged = mergeMessages([msg(3), msg(5)], [msg(4), msg(3, "replayed"), msg(1)]);
    expect(merged.map((m) => [m.seq, m.body])).toEqual([
      [1, "m1"],
      [3, "replayed"],
      [4, "m4"],
      [5, "m5"],
    ]);
  });

  it("keeps a held message over a history page's older state of it, and adds the page's others", () => {
    const edited = { ...msg(3), body: "edited", editedAt: 9 };
    const merged = mergePage([edited, msg(5)], [msg(2), msg(3), msg(4)]);
    expect(merged.map((m) => [m.seq, m.body])).toEqual([
      [2, "m2"],
      [3, "edited"],
      [4, "m4"],
      [5, "m5"],
    ]);
  });

  it("names a direct chat after the peer and an untitled group after its other members", () => {
    expect(titleOf(conv({ kind: "direct", members: ["alice", "bob"] }), "alice")).toBe("bob");
    expect(titleOf(conv(), "alice")).toBe("bob, carol");
    expect(parseNames(" bob, carol;dave  bob ")).toEqual(["bob", "carol", "dave"]);
  });
});
