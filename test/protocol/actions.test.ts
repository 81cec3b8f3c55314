/** applyEntry: how a device turns the log's entries into the messages it shows, whatever it held before. */
import { describe, expect, it } from "vitest";
import { applyEntry, type Action, type Message } from "../../protocol/index.js";

const message = (seq: number, body: string, extra: Partial<Message> = {}): Message => ({
  conversationId: "g:1",
  seq,
  senderId: "alice",
  clientMsgId: `m${seq}`,
  body,
  sentAt: seq,
  ...extra,
});
const action = (seq: number, senderId: string, a: Action): Message => ({ ...message(seq, ""), senderId, action: a });

function apply(entries: Message[], held = new Map<number, Message>()): Map<number, Message> {
  for (const entry of entries) applyEntry(held, entry);
  return held;
}

describe("applyEntry", () => {
  it("adds messages, and applies edits, reactions and deletes to the message they target", () => {
    const held = apply([
      message(1, "helo"),
      message(2, "hi", { senderId: "bob", replyTo: { seq: 1, senderId: "alice", snippet: "helo" } }),
      action(3, "alice", { kind: "edit", target: 1, body: "hello", editedAt: 30 }),
      action(4, "bob", { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }),
      action(5, "carol", { kind: "react", target: 1, emoji: "👍", on: true, count: 2 }),
      action(6, "bob", { kind: "react", target: 1, emoji: "❤️", on: true, count: 1 }),
      action(7, "bob", { kind: "react", target: 1, emoji: "👍", on: false, count: 1 }),
    ]);
    expect([...held.keys()]).toEqual([1, 2]);
    expect(held.get(1)).toMatchObject({
      body: "hello",
      editedAt: 30,
      reactions: [
        { emoji: "👍", count: 1, users: ["carol"] },
        { emoji: "❤️", count: 1, users: ["bob"] },
      ],
    });
    expect(held.get(2)!.replyTo).toEqual({ seq: 1, senderId: "alice", snippet: "hello" });
    apply([action(8, "alice", { kind: "delete", target: 1 })], held);
    expect(held.get(1)).toEqual({ ...message(1, ""), deleted: true });
    expect(held.get(2)!.replyTo).toEqual({ seq: 1, senderId: "alice", deleted: true });
    // Nothing brings a deleted message back: a late edit changes nothing, nor does its quote come back.
    apply([action(9, "alice", { kind: "edit", target: 1, body: "", editedAt: 31 })], held);
    expect(held.get(1)!.body).toBe("");
    expect(held.get(2)!.replyTo!.deleted).toBe(true);
  });

  it("a delete takes a message's attachment references with its text, as history shows it", () => {
    const photo = {
      id: "0b7e1c52-6a1f-4f7e-9d7a-2f1c3b4a5d6e",
      name: "p.png",
      type: "image/png",
      size: 9,
      sha256: "a".repeat(64),
    };
    const held = apply([message(1, "", { attachments: [photo] }), message(2, "kept", { attachments: [photo] })]);
    apply([action(3, "alice", { kind: "delete", target: 1 })], held);
    expect(held.get(1)).toEqual({ ...message(1, ""), deleted: true });
    expect(held.get(2)!.attachments).toEqual([photo]);
  });

  it("ends in the same state when a message was loaded in its current state before its older actions", () => {
    const current = message(1, "hello", {
      editedAt: 30,
      reactions: [{ emoji: "👍", count: 1, users: ["carol"] }],
    });
    const held = apply([
      current,
      action(3, "alice", { kind: "edit", target: 1, body: "hello", editedAt: 30 }),
      action(4, "bob", { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }),
      action(5, "carol", { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }),
      action(7, "bob", { kind: "react", target: 1, emoji: "👍", on: false, count: 1 }),
    ]);
    expect(held.get(1)).toEqual(current);
    // Applying the same entries again changes nothing.
    expect(
      apply([action(5, "carol", { kind: "react", target: 1, emoji: "👍", on: true, count: 1 })], held).get(1),
    ).toEqual(current);
  });

  it("ignores actions on messages the device does not hold", () => {
    const held = apply([message(5, "x"), action(6, "bob", { kind: "delete", target: 2 })]);
    expect([...held.values()]).toEqual([message(5, "x")]);
  });
});
