/**
 * Building a report (durable-objects/conversation/report.ts): the message and what came before it as a history page
 * shows them, only what the reporter sees, the refusals, and a report of the largest messages that still fits one
 * ingest body.
 */
import { describe, expect, it } from "vitest";
import { buildReport } from "../../durable-objects/conversation/report.js";
import { message } from "../support/messages.js";
import type { Entry } from "../../durable-objects/conversation/actions.js";
import {
  MAX_ATTACHMENTS,
  MAX_BODY_BYTES,
  MAX_INGEST_BYTES,
  MAX_REPORT_BYTES,
  REPORT_CONTEXT,
  type Attachment,
  type HistoryQuery,
  type Message,
} from "../../protocol/index.js";

/** A conversation's log as the store answers for it: messages by seq, `actions` the seqs of actions' entries. */
function storeOf(messages: Message[], actions: number[] = []) {
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  return {
    entry(seq: number): Entry | undefined {
      const m = bySeq.get(seq);
      if (actions.includes(seq)) return { ...entryOf(message(seq)), action: { kind: "delete", target: 1 } };
      return m ? entryOf(m) : undefined;
    },
    history(query: HistoryQuery) {
      const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
      const page =
        query.after !== undefined
          ? sorted.filter((m) => m.seq > query.after!).slice(0, query.limit)
          : sorted.filter((m) => m.seq < query.before!).slice(-query.limit);
      return { messages: page, hasMore: false };
    },
  };
}

const entryOf = (m: Message): Entry => ({
  seq: m.seq,
  senderId: m.senderId,
  sentAt: m.sentAt,
  body: m.body,
  editedAt: null,
  deleted: m.deleted === true,
  reactions: [],
  action: null,
  system: m.system !== undefined,
});

const request = { seq: 20, reason: "spam" as const };
const alice = { userId: "alice", conversationId: "g:1", visibleFrom: 1 };

describe("a report as a conversation builds it", () => {
  it("carries the message and the REPORT_CONTEXT messages before it, oldest first", () => {
    const store = storeOf(Array.from({ length: 20 }, (_, i) => message(i + 1)));
    const built = buildReport(store, alice, { ...request, note: "why" }, 5);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.value).toMatchObject({ reporterId: "alice", reportedUserId: "bob", seq: 20, note: "why", at: 5 });
    expect(built.value.message.seq).toBe(20);
    expect(built.value.context.map((m) => m.seq)).toEqual(Array.from({ length: REPORT_CONTEXT }, (_, i) => i + 10));
  });

  it("refuses an unknown seq, an action's entry, a group change, a deleted message and the reporter's own", () => {
    const store = storeOf(
      [
        message(1),
        message(2, { body: "", deleted: true }),
        message(4, { senderId: "alice" }),
        message(5, { body: "", system: { kind: "left" } }),
      ],
      [3],
    );
    const codes = [9, 3, 5, 2, 4].map((seq) => {
      const built = buildReport(store, alice, { seq, reason: "spam" }, 0);
      return built.ok ? "ok" : built.error.code;
    });
    expect(codes).toEqual(["not_found", "not_found", "not_found", "not_found", "bad_request"]);
  });

  it("holds only what the reporter sees: nothing before its history starts, group changes as they are", () => {
    const store = storeOf([
      ...Array.from({ length: 14 }, (_, i) => message(i + 1)),
      message(15, { senderId: "carol", body: "", system: { kind: "added", users: ["dave"] } }),
      ...Array.from({ length: 5 }, (_, i) => message(i + 16)),
    ]);
    const dave = { userId: "dave", conversationId: "g:1", visibleFrom: 15 };
    const earlier = buildReport(store, dave, { seq: 14, reason: "spam" }, 0);
    expect(earlier.ok ? "ok" : earlier.error.code).toBe("not_found");
    const built = buildReport(store, dave, request, 0);
    if (!built.ok) throw new Error(built.error.message);
    expect(built.value.context.map((m) => m.seq)).toEqual([15, 16, 17, 18, 19]);
    expect(built.value.context[0]!.system).toEqual({ kind: "added", users: ["dave"] });
  });

  it("leaves out the oldest context until the report fits MAX_REPORT_BYTES, so it always fits one ingest body", () => {
    const attachment = (i: number): Attachment => ({
      id: `a${i}`.padEnd(22, "x"),
      name: "\u0001".repeat(200),
      type: "image/png",
      size: 1,
      sha256: "0".repeat(64),
      preview: "p".repeat(2048),
    });
    const largest = (seq: number) =>
      message(seq, {
        body: "\u0001".repeat(MAX_BODY_BYTES),
        attachments: Array.from({ length: MAX_ATTACHMENTS }, (_, i) => attachment(i)),
      });
    const store = storeOf(Array.from({ length: 20 }, (_, i) => largest(i + 1)));
    const built = buildReport(store, alice, request, 0);
    if (!built.ok) throw new Error(built.error.message);
    const bytes = new TextEncoder().encode(JSON.stringify({ kind: "report", ...built.value })).length;
    expect(bytes).toBeLessThanOrEqual(MAX_REPORT_BYTES + 20);
    expect(bytes).toBeLessThan(MAX_INGEST_BYTES);
    expect(built.value.context.length).toBeGreaterThan(0);
    expect(built.value.context.length).toBeLessThan(REPORT_CONTEXT);
    expect(built.value.context.at(-1)!.seq).toBe(19);
  });
});
