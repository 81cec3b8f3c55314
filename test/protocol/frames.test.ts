import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, parseClientFrame } from "../../protocol/index.js";

const send = (extra: object) =>
  JSON.stringify({ type: "send", clientMsgId: "m1", conversationId: "c1", body: "hi", ...extra });

describe("parseClientFrame: every client frame is validated once, at the boundary", () => {
  it("accepts each frame type of protocol v2", () => {
    for (const frame of [
      { type: "send", clientMsgId: "m_1-x", conversationId: "d:ab_C-9", body: "hello" },
      { type: "send", clientMsgId: "m2", conversationId: "g:1", body: "yes", replyTo: 4 },
      { type: "edit", clientMsgId: "m3", conversationId: "g:1", seq: 4, body: "better" },
      { type: "delete", clientMsgId: "m4", conversationId: "g:1", seq: 4 },
      { type: "react", clientMsgId: "m5", conversationId: "g:1", seq: 4, emoji: "👍🏽", on: true },
      { type: "react", clientMsgId: "m6", conversationId: "g:1", seq: 4, emoji: "👨‍👩‍👧", on: false },
      { type: "hide", conversationId: "g:1", seqs: [1, 2] },
      { type: "sync" },
      { type: "sync", since: 1796400000000 },
      { type: "fetch", conversationId: "g:1", after: 12 },
      { type: "fetch", conversationId: "g:1", after: 0, limit: 200 },
      { type: "read", conversationId: "g:1", seq: 2 },
      { type: "focus", conversationId: "g:1" },
      { type: "focus", conversationId: null },
      { type: "typing", conversationId: "g:1" },
      { type: "alive" },
      { type: "ping" },
    ]) {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    }
  });

  it("refuses actions on no message, emoji that are not emoji, oversized edits, and hides of nothing or too much", () => {
    const refused = [
      [{ type: "edit", clientMsgId: "e", conversationId: "g:1", seq: 0, body: "x" }, "bad_request"],
      [
        { type: "edit", clientMsgId: "e", conversationId: "g:1", seq: 1, body: "x".repeat(MAX_BODY_BYTES + 1) },
        "too_large",
      ],
      [{ type: "react", clientMsgId: "r", conversationId: "g:1", seq: 1, emoji: "ok", on: true }, "bad_request"],
      [
        { type: "react", clientMsgId: "r", conversationId: "g:1", seq: 1, emoji: "👍".repeat(33), on: true },
        "bad_request",
      ],
      [{ type: "react", clientMsgId: "r", conversationId: "g:1", seq: 1, emoji: "👍" }, "bad_request"],
      [{ type: "delete", conversationId: "g:1", seq: 1 }, "bad_request"],
      [{ type: "hide", conversationId: "g:1", seqs: [] }, "bad_request"],
      [{ type: "hide", conversationId: "g:1", seqs: Array.from({ length: 101 }, (_, i) => i + 1) }, "bad_request"],
      [{ type: "send", clientMsgId: "s", conversationId: "g:1", body: "x", replyTo: 0 }, "bad_request"],
    ] as const;
    for (const [frame, code] of refused) {
      const result = parseClientFrame(JSON.stringify(frame));
      expect(result).toMatchObject({ ok: false, error: { code } });
      if ("clientMsgId" in frame) expect(result).toMatchObject({ clientMsgId: frame.clientMsgId });
    }
  });

  it("refuses malformed JSON, non-objects, binary frames and unknown types as bad_request", () => {
    for (const raw of ["{nope", "[]", "42", "null", JSON.stringify({ type: "explode" }), JSON.stringify({})]) {
      const result = parseClientFrame(raw);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe("bad_request");
    }
    const binary = parseClientFrame(new ArrayBuffer(4));
    expect(binary.ok || binary.error.code).toBe("bad_request");
  });

  it("names the offending field and echoes the send's clientMsgId", () => {
    const result = parseClientFrame(send({ conversationId: "bad id!" }));
    expect(result).toMatchObject({ ok: false, clientMsgId: "m1", error: { code: "bad_request" } });
    if (!result.ok) expect(result.error.message).toContain("conversationId");
  });

  it("refuses wrong types, empty bodies, negative positions and oversized pages", () => {
    for (const raw of [
      send({ body: "" }),
      send({ body: 5 }),
      send({ clientMsgId: "x".repeat(65) }),
      JSON.stringify({ type: "sync", since: -1 }),
      JSON.stringify({ type: "fetch", conversationId: "c", after: 1.5 }),
      JSON.stringify({ type: "fetch", conversationId: "c", after: 0, limit: 201 }),
      JSON.stringify({ type: "fetch", after: 0 }),
      JSON.stringify({ type: "focus" }),
      JSON.stringify({ type: "received", cursor: 3 }),
      JSON.stringify({ type: "read", conversationId: "c", seq: "3" }),
    ]) {
      expect(parseClientFrame(raw)).toMatchObject({ ok: false, error: { code: "bad_request" } });
    }
  });

  it("measures the body in UTF-8 bytes: 4096 fit, 4097 are too_large", () => {
    expect(parseClientFrame(send({ body: "a".repeat(MAX_BODY_BYTES) })).ok).toBe(true);
    expect(parseClientFrame(send({ body: "€".repeat(1365) })).ok).toBe(true); // 4095 bytes
    expect(parseClientFrame(send({ body: "€".repeat(1366) }))).toMatchObject({
      ok: false,
      clientMsgId: "m1",
      error: { code: "too_large" },
    });
    expect(parseClientFrame(send({ body: "a".repeat(MAX_BODY_BYTES + 1) }))).toMatchObject({
      ok: false,
      error: { code: "too_large" },
    });
  });

  it("refuses a frame far beyond any valid size before parsing it", () => {
    expect(parseClientFrame("x".repeat(100_000))).toMatchObject({ ok: false, error: { code: "too_large" } });
  });
});
