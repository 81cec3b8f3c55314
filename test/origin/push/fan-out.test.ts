/**
 * Push's handler (pure, on fakes): each message's record is held once per window it enters (its offline members but
 * the sender), so that it is committed only once every such notification was handled; a failed lookup holds nothing,
 * and a handler whose partition was lost stops before holding what it did not reach. Actions and deleted messages
 * notify nobody, and a delete takes its message out of the notifications still waiting.
 */
import { describe, expect, it } from "vitest";
import type { MembersSnapshot } from "../../../origin/members/members-store.js";
import type { ConversationRecord } from "../../../origin/message-log/conversation-record.js";
import { Coalescer, type Notification } from "../../../origin/push/coalescer.js";
import { fanOut, type Release } from "../../../origin/push/fan-out.js";
import { MembersCache } from "../../../origin/push/members-cache.js";
import { createLogger } from "../../../origin/shared/log.js";
import { fail, ok, type Result } from "../../../protocol/errors.js";
import { consumedBatch } from "../message-log/consumed-batch.js";
import { actionEvent, membersEvent, pushEvents } from "../support.js";

/** Push's handler on fakes: `online` users have presence, the store knows `stored`, flushed windows are collected. */
function handlerWith(
  online: string[],
  presence: Result<Set<string>> = ok(new Set(online)),
  stored: MembersSnapshot | null = null,
) {
  const flushed: Notification<Release>[] = [];
  const coalescer = new Coalescer<Release>(60_000, async (n) => {
    flushed.push(n);
    for (const release of n.holds) release();
    return true;
  });
  const handle = fanOut({
    coalescer,
    cache: new MembersCache(1_000),
    members: { save: async () => ok(undefined), get: async () => ok(stored) },
    presence: {
      apply: async () => ok(undefined),
      get: async () => ok({}),
      online: async () => presence,
      check: async () => ok(undefined),
    },
    log: createLogger("silent"),
  });
  return { handle, coalescer, flushed };
}

describe("fanOut", () => {
  it("holds a message once per offline member but the sender, until each of their notifications was handled", async () => {
    const { handle, coalescer, flushed } = handlerWith(["olive"]);
    const batch = consumedBatch<ConversationRecord>(pushEvents("c", ["amy", "olive", "ned"], { senderId: "bob" }));
    expect(await handle(batch)).toEqual({ ok: true, value: undefined });
    expect(batch.held).toEqual(["1", "2"]);
    expect(batch.outstanding).toEqual(new Map([["2", 2]]));
    await coalescer.drain();
    expect(flushed.map((n) => n.userId).sort()).toEqual(["amy", "ned"]);
    expect(batch.outstanding).toEqual(new Map());
  });

  it("holds nothing and answers the failure when presence cannot be read", async () => {
    const down = fail("unavailable", "presence store down");
    const { handle, coalescer, flushed } = handlerWith([], down);
    const batch = consumedBatch<ConversationRecord>(pushEvents("c", ["amy"]));
    expect(await handle(batch)).toEqual(down);
    await coalescer.drain();
    expect([batch.held, flushed]).toEqual([[], []]);
  });

  it("notifies nobody of a conversation whose members it does not know, and lets its records go", async () => {
    const { handle, coalescer, flushed } = handlerWith([]);
    const [, message] = pushEvents("unknown", ["amy"]);
    const batch = consumedBatch<ConversationRecord>([message]);
    expect(await handle(batch)).toEqual({ ok: true, value: undefined });
    await coalescer.drain();
    expect([batch.held, batch.outstanding, flushed]).toEqual([["1"], new Map(), []]);
  });

  it("takes the stored snapshot of a conversation it has read none of", async () => {
    const { kind: _, ...stored } = membersEvent("c", 3, ["bob", "stella"]);
    const { handle, coalescer, flushed } = handlerWith([], undefined, stored);
    const [, message] = pushEvents("c", []);
    expect(await handle(consumedBatch<ConversationRecord>([message]))).toEqual({ ok: true, value: undefined });
    await coalescer.drain();
    expect(flushed.map((n) => n.userId)).toEqual(["stella"]);
  });

  it("notifies nobody of actions nor of a message deleted before it reached origin, and lets their records go", async () => {
    const { handle, coalescer, flushed } = handlerWith([]);
    const [members, message] = pushEvents("c", ["amy"]);
    const batch = consumedBatch<ConversationRecord>([
      members,
      { ...message, body: "", deleted: true },
      actionEvent("c", 2, { kind: "edit", target: 1, body: "edited", editedAt: 2 }, "bob"),
      actionEvent("c", 3, { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }, "amy"),
    ]);
    expect(await handle(batch)).toEqual({ ok: true, value: undefined });
    await coalescer.drain();
    expect([batch.held, batch.outstanding, flushed]).toEqual([["1", "2", "3", "4"], new Map(), []]);
  });

  it("notifies no member who muted the conversation until after the message, and nobody of a change of the group", async () => {
    const { handle, coalescer, flushed } = handlerWith([]);
    const [members, message] = pushEvents("c", ["amy", "ned", "olive"]);
    const mutes = { amy: message.sentAt + 1, olive: message.sentAt - 1 };
    const batch = consumedBatch<ConversationRecord>([
      { ...members, muted: mutes },
      message,
      { ...message, seq: 2, clientMsgId: "system-2", body: "", system: { kind: "renamed", title: "t" } },
    ]);
    expect(await handle(batch)).toEqual({ ok: true, value: undefined });
    await coalescer.drain();
    expect(flushed.map((n) => n.userId).sort()).toEqual(["ned", "olive"]);
    expect(flushed.map((n) => [n.latest.seq, n.count])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it("a delete takes its message out of the waiting notifications and lets go of its record", async () => {
    const { handle, coalescer, flushed } = handlerWith([]);
    const [members, first] = pushEvents("c", ["amy", "ned"]);
    const second = { ...first, seq: 2, clientMsgId: "c-2", body: "second" };
    const sent = consumedBatch<ConversationRecord>([members, first, second]);
    expect(await handle(sent)).toEqual({ ok: true, value: undefined });
    expect(sent.outstanding).toEqual(
      new Map([
        ["2", 2],
        ["3", 2],
      ]),
    );
    const deleted = consumedBatch<ConversationRecord>([actionEvent("c", 3, { kind: "delete", target: 2 }, "bob")]);
    expect(await handle(deleted)).toEqual({ ok: true, value: undefined });
    // The newest went: each notification now shows the one before it.
    expect(sent.outstanding).toEqual(new Map([["2", 2]]));
    await coalescer.drain();
    expect(flushed.map((n) => [n.userId, n.count, n.latest.seq, n.latest.body])).toEqual([
      ["amy", 1, 1, "message 1"],
      ["ned", 1, 1, "message 1"],
    ]);
    expect(sent.outstanding).toEqual(new Map());
  });

  it("stops before holding anything once the partition is no longer owned", async () => {
    const { handle, coalescer, flushed } = handlerWith([]);
    const batch = consumedBatch<ConversationRecord>(pushEvents("c", ["amy"]));
    batch.owner.owned = false;
    await handle(batch);
    await coalescer.drain();
    expect([batch.held, flushed]).toEqual([[], []]);
  });
});
