/** The edge's ingest bodies never pass MAX_INGEST_BYTES, and the largest event always fits one. */
import { describe, expect, it } from "vitest";
import {
  MAX_INGEST_BYTES,
  MAX_PRESENCE_LEASE_MS,
  type MembersEvent,
  type MessageEvent,
  type PresenceEvent,
} from "../../protocol/events.js";
import { fittingEvents, ingestEnvelope } from "../../protocol/ingest-batch.js";
import { DEFAULT_MAX_GROUP_MEMBERS, MAX_BODY_BYTES } from "../../protocol/limits.js";

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** The largest event there is: a 4 KiB body of control characters (6 bytes each in JSON), every id at its longest. */
const largest: MessageEvent = {
  kind: "message",
  conversationId: "c".repeat(128),
  seq: Number.MAX_SAFE_INTEGER,
  senderId: "s".repeat(64),
  clientMsgId: "m".repeat(64),
  body: "\u0001".repeat(MAX_BODY_BYTES),
  sentAt: Number.MAX_SAFE_INTEGER,
};

describe("ingest bodies cut by bytes", () => {
  it("keeps every event of a batch under the cap in one body", () => {
    const events = Array.from({ length: 500 }, (_, seq) => JSON.stringify({ ...largest, body: "hi", seq }));
    expect(fittingEvents(events)).toBe(500);
    expect(JSON.parse(ingestEnvelope(events))).toEqual({ events: events.map((e) => JSON.parse(e)) });
  });

  it("cuts a batch of the largest events to the longest prefix whose body fits MAX_INGEST_BYTES", () => {
    const events = Array.from({ length: 500 }, () => JSON.stringify(largest));
    const fitting = fittingEvents(events);
    expect(bytes(ingestEnvelope(events.slice(0, fitting)))).toBeLessThanOrEqual(MAX_INGEST_BYTES);
    expect(bytes(ingestEnvelope(events.slice(0, fitting + 1)))).toBeGreaterThan(MAX_INGEST_BYTES);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const wide = JSON.stringify({ ...largest, body: "é".repeat(2048) });
    const events = Array.from({ length: 500 }, () => wide);
    const fitting = fittingEvents(events);
    expect(bytes(ingestEnvelope(events.slice(0, fitting)))).toBeLessThanOrEqual(MAX_INGEST_BYTES);
    expect(bytes(ingestEnvelope(events.slice(0, fitting + 1)))).toBeGreaterThan(MAX_INGEST_BYTES);
  });

  it("always sends at least one event, and sixteen of the largest messages or presence leases fit one body", () => {
    const lease: PresenceEvent = {
      kind: "presence",
      userId: "u".repeat(64),
      online: true,
      at: Number.MAX_SAFE_INTEGER,
      leaseMs: MAX_PRESENCE_LEASE_MS,
    };
    for (const event of [largest, lease])
      expect(bytes(ingestEnvelope([JSON.stringify(event)]))).toBeLessThan(MAX_INGEST_BYTES / 16);
    expect(fittingEvents([JSON.stringify(largest)], 10)).toBe(1);
    expect(fittingEvents([])).toBe(0);
  });

  it("fits the members snapshot of a group at the default size limit, every id at its longest, in a quarter of a body", () => {
    const members: MembersEvent = {
      kind: "members",
      conversationId: "c".repeat(128),
      version: Number.MAX_SAFE_INTEGER,
      members: Array.from({ length: DEFAULT_MAX_GROUP_MEMBERS }, (_, i) => String(i).padStart(64, "u")),
      at: Number.MAX_SAFE_INTEGER,
    };
    expect(bytes(ingestEnvelope([JSON.stringify(members)]))).toBeLessThan(MAX_INGEST_BYTES / 4);
  });
});
