/** What a report body, an operator's query and origin's `report` event accept, and what they refuse. */
import { describe, expect, it } from "vitest";
import { message } from "../support/messages.js";
import {
  MAX_REPORT_NOTE,
  originEvent,
  parseBody,
  parseReportQuery,
  REPORT_CONTEXT,
  REPORT_PAGE_DEFAULT,
  reportBody,
  type Report,
} from "../../protocol/index.js";

const report = (extra: Partial<Report> = {}): Report => ({
  id: "0b5c1e0e-3f5e-4a43-9a55-2d0d2f8f7a10",
  conversationId: "g:1",
  reporterId: "alice",
  reportedUserId: "bob",
  seq: 12,
  reason: "harassment",
  at: 1_000,
  message: message(12),
  context: Array.from({ length: REPORT_CONTEXT }, (_, i) => message(i + 2)),
  ...extra,
});

describe("the report body", () => {
  it("takes a seq and a reason, with an optional note and block flag", () => {
    for (const reason of ["spam", "abuse", "harassment", "illegal", "other"])
      expect(parseBody(reportBody, { seq: 3, reason })).toEqual({ ok: true, value: { seq: 3, reason } });
    const full = { seq: 3, reason: "other", note: "n".repeat(MAX_REPORT_NOTE), block: true };
    expect(parseBody(reportBody, full)).toEqual({ ok: true, value: full });
  });

  it("refuses a missing or unknown reason, a seq below 1, a long or ill-formed note and a non-boolean block", () => {
    for (const body of [
      { seq: 3 },
      { seq: 3, reason: "rude" },
      { seq: 0, reason: "spam" },
      { seq: 1.5, reason: "spam" },
      { reason: "spam" },
      { seq: 3, reason: "spam", note: "n".repeat(MAX_REPORT_NOTE + 1) },
      { seq: 3, reason: "spam", note: "a\ud800b" },
      { seq: 3, reason: "spam", block: "yes" },
    ]) {
      const parsed = parseBody(reportBody, body);
      expect(parsed.ok, JSON.stringify(body)).toBe(false);
      if (!parsed.ok) expect(parsed.error.code).toBe("bad_request");
    }
  });
});

describe("the operator's query", () => {
  it("starts at the first open report by default, pages 1 to 100, and lists open, resolved or all", () => {
    expect(parseReportQuery({})).toEqual({
      ok: true,
      value: { after: 0, limit: REPORT_PAGE_DEFAULT, status: "open" },
    });
    expect(parseReportQuery({ after: "42", limit: "100", status: "resolved" })).toEqual({
      ok: true,
      value: { after: 42, limit: 100, status: "resolved" },
    });
    expect(parseReportQuery({ status: "all" })).toMatchObject({ ok: true, value: { status: "all" } });
    const refused = [{ limit: "0" }, { limit: "101" }, { after: "-1" }, { after: "x" }, { status: "closed" }];
    for (const query of refused) expect(parseReportQuery(query).ok, JSON.stringify(query)).toBe(false);
  });
});

describe("origin's report event", () => {
  const event = (r: Report) => originEvent.safeParse({ kind: "report", ...r });

  it("accepts a report whose message carries its current state", () => {
    const reported = message(12, {
      body: "edited",
      editedAt: 20,
      replyTo: { seq: 3, senderId: "alice", snippet: "line 3" },
      reactions: [{ emoji: "👍", count: 2, users: ["alice", "carol"] }],
    });
    const context = [
      message(9, { senderId: "carol", body: "", system: { kind: "added", users: ["alice"] } }),
      message(10, { body: "", deleted: true }),
      message(11, { replyTo: { seq: 1 } }),
    ];
    const parsed = event(report({ message: reported, context, note: "see above" }));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ kind: "report", message: { body: "edited" }, note: "see above" });
  });

  it("refuses a report without its message, with more context than REPORT_CONTEXT, or with a bad reason or id", () => {
    const { message: _m, ...withoutMessage } = report();
    for (const bad of [
      withoutMessage,
      report({ context: Array.from({ length: REPORT_CONTEXT + 1 }, (_, i) => message(i + 1)) }),
      report({ reason: "rude" as Report["reason"] }),
      report({ id: "not-a-uuid" }),
      report({ note: "n".repeat(MAX_REPORT_NOTE + 1) }),
      report({ message: message(12, { senderId: "bad id!" }) }),
    ])
      expect(originEvent.safeParse({ kind: "report", ...bad }).success).toBe(false);
  });
});
