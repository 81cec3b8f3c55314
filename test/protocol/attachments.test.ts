import { describe, expect, it } from "vitest";
import { allowedType, attachment, attachmentName, sniffMatches } from "../../protocol/attachments.js";
import {
  MAX_ATTACHMENT_NAME,
  MAX_ATTACHMENT_PREVIEW,
  MAX_ATTACHMENTS,
  MAX_BODY_BYTES,
  messageEvent,
  parseClientFrame,
  sendMessageBody,
} from "../../protocol/index.js";

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => (typeof v === "string" ? [...v].map((c) => c.charCodeAt(0)) : [v])));

const SAMPLES: Record<string, Uint8Array> = {
  "image/jpeg": bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, "JFIF"),
  "image/png": bytes(0x89, "PNG", 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d),
  "image/gif": bytes("GIF89a", 1, 0, 1, 0),
  "image/webp": bytes("RIFF", 0x24, 0, 0, 0, "WEBPVP8 "),
  "application/pdf": bytes("%PDF-1.7\n"),
  "video/mp4": bytes(0, 0, 0, 0x20, "ftypisom"),
  "text/plain": bytes("hello, world"),
};

describe("attachment types: only allowed types, recognised by their first bytes", () => {
  it("accepts each allowed type whose first bytes are its own", () => {
    for (const [type, head] of Object.entries(SAMPLES)) expect(sniffMatches(type, head), type).toBe(true);
  });

  it("refuses a file whose first bytes are another type's", () => {
    expect(sniffMatches("image/png", SAMPLES["image/jpeg"]!)).toBe(false);
    expect(sniffMatches("image/jpeg", SAMPLES["application/pdf"]!)).toBe(false);
    expect(sniffMatches("image/webp", bytes("RIFF", 0, 0, 0, 0, "WAVE"))).toBe(false);
    expect(sniffMatches("text/plain", SAMPLES["image/png"]!)).toBe(false);
    expect(sniffMatches("image/png", new Uint8Array())).toBe(false);
  });

  it("knows nothing outside the allow-list", () => {
    expect(allowedType("text/html")).toBeNull();
    expect(allowedType("image/svg+xml")).toBeNull();
    expect(allowedType(null)).toBeNull();
    expect(sniffMatches("text/html", bytes("<html>"))).toBe(false);
    expect(allowedType("Image/PNG; charset=binary")).toBe("image/png");
  });
});

describe("attachment names and references", () => {
  it("accepts 1-200 chars without control chars or path separators", () => {
    expect(attachmentName.safeParse("photo 1.png").success).toBe(true);
    expect(attachmentName.safeParse("é".repeat(200)).success).toBe(true);
    for (const bad of ["", "x".repeat(201), "a/b.png", "a\\b.png", "a\nb", "a\u0000b", "a\u0085b"])
      expect(attachmentName.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it("accepts a reference with dimensions and a small preview, refuses a large preview or a bad hash", () => {
    const ref = {
      id: crypto.randomUUID(),
      name: "a.png",
      type: "image/png",
      size: 10,
      sha256: "a".repeat(64),
      width: 640,
      height: 480,
      preview: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    };
    expect(attachment.safeParse(ref).success).toBe(true);
    expect(attachment.safeParse({ ...ref, preview: "x".repeat(MAX_ATTACHMENT_PREVIEW + 1) }).success).toBe(false);
    expect(attachment.safeParse({ ...ref, preview: 'a"b' }).success).toBe(false);
    expect(attachment.safeParse({ ...ref, preview: "é" }).success).toBe(false);
    expect(attachment.safeParse({ ...ref, sha256: "xyz" }).success).toBe(false);
    expect(attachment.safeParse({ ...ref, type: "text/html" }).success).toBe(false);
  });
});

describe("a message with attachments may have an empty body", () => {
  const ref = { id: crypto.randomUUID(), name: "a.pdf", type: "application/pdf", size: 3, sha256: "0".repeat(64) };
  const send = (extra: object) =>
    parseClientFrame(JSON.stringify({ type: "send", clientMsgId: "m", conversationId: "c", body: "", ...extra }));

  it("accepts an empty body with attachments, in a frame and over HTTP", () => {
    expect(send({ attachments: [ref] }).ok).toBe(true);
    expect(sendMessageBody.safeParse({ clientMsgId: "m", body: "", attachments: [ref] }).success).toBe(true);
  });

  it("is a valid event for origin, and a deleted one carries no attachments", () => {
    const event = {
      kind: "message",
      conversationId: "c",
      seq: 1,
      senderId: "a",
      clientMsgId: "m",
      body: "",
      sentAt: 1,
    };
    expect(messageEvent.safeParse({ ...event, attachments: [ref] }).success).toBe(true);
    expect(messageEvent.safeParse(event).success).toBe(false);
    expect(messageEvent.safeParse({ ...event, deleted: true }).success).toBe(true);
    expect(messageEvent.safeParse({ ...event, deleted: true, attachments: [ref] }).success).toBe(false);
  });

  it("accepts the largest send: a full body escaped, and every attachment with the longest name and preview", () => {
    const big = {
      ...ref,
      name: "\u00e9".repeat(MAX_ATTACHMENT_NAME),
      preview: "data:image/webp;base64," + "A".repeat(MAX_ATTACHMENT_PREVIEW - 23),
      width: 100_000,
      height: 100_000,
      size: Number.MAX_SAFE_INTEGER,
    };
    const frame = JSON.stringify({
      type: "send",
      clientMsgId: "m".repeat(64),
      conversationId: "c".repeat(128),
      body: "\u0001".repeat(MAX_BODY_BYTES),
      attachments: Array(MAX_ATTACHMENTS).fill(big),
    }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(parseClientFrame(frame).ok).toBe(true);
  });

  it("refuses an empty body without attachments, and more than the limit of attachments", () => {
    expect(send({}).ok).toBe(false);
    expect(send({ attachments: [] }).ok).toBe(false);
    expect(send({ attachments: Array(MAX_ATTACHMENTS + 1).fill(ref) }).ok).toBe(false);
    expect(sendMessageBody.safeParse({ clientMsgId: "m", body: "" }).success).toBe(false);
  });
});
