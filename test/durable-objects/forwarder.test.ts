/**
 * Forwarding an outbox to origin (shared/forwarder.ts): bodies cut to what one ingest body may carry, a batch committed
 * only once origin confirmed the body that carried it, and after a refusal a backoff whose retry the alarm makes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Forwarder, type OutboxBatch } from "../../durable-objects/shared/forwarder.js";
import { MAX_BODY_BYTES, MAX_INGEST_BYTES, type MessageEvent } from "../../protocol/index.js";

const RETRY_MS = 1_000;
const CONFIG = { originUrl: "https://origin.test", outboxRetryMs: RETRY_MS };

const event = (seq: number, bodyBytes = 10): MessageEvent => ({
  kind: "message",
  conversationId: "g:1",
  seq,
  senderId: "alice",
  clientMsgId: `m${seq}`,
  body: "b".repeat(bodyBytes),
  sentAt: 0,
});

/** An outbox of `events`; `committed` is how many of them origin confirmed. */
function outboxOf(events: MessageEvent[]) {
  const outbox = {
    committed: 0,
    next(limit: number): OutboxBatch | null {
      const batch = events.slice(outbox.committed, outbox.committed + limit);
      if (batch.length === 0) return null;
      const through = outbox.committed + batch.length;
      return { events: batch, commit: () => void (outbox.committed = through) };
    },
    behind: () => outbox.committed < events.length,
  };
  return outbox;
}

/** An origin that answers each post with `accept()`; what it was sent, and what it confirmed. */
function originAnswering(accept: () => boolean) {
  const posted: number[][] = [];
  const confirmed: number[][] = [];
  return {
    posted,
    confirmed,
    async post(_path: string, body: string) {
      const seqs = (JSON.parse(body) as { events: MessageEvent[] }).events.map((e) => e.seq);
      posted.push(seqs);
      const ok = accept();
      if (ok) confirmed.push(seqs);
      return ok;
    },
  };
}

function alarm() {
  const asked: number[] = [];
  return { asked, reschedule: async () => void asked.push(Date.now()) };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: 1_700_000_000_000 }));
afterEach(() => vi.useRealTimers());

describe("forwarder", () => {
  it("cuts batches to one ingest body each, and commits exactly the events of each body origin confirmed", async () => {
    const events = Array.from({ length: 300 }, (_, i) => event(i + 1, MAX_BODY_BYTES));
    const outbox = outboxOf(events);
    const origin = originAnswering(() => true);
    new Forwarder(CONFIG, outbox, origin, alarm()).kick();
    await vi.waitFor(() => expect(outbox.committed).toBe(300));
    expect(origin.posted.length).toBeGreaterThan(1);
    expect(origin.posted.flat()).toEqual(events.map((e) => e.seq));
    for (const seqs of origin.posted)
      expect(JSON.stringify({ events: seqs.map((s) => events[s - 1]) }).length).toBeLessThanOrEqual(MAX_INGEST_BYTES);
  });

  it("commits nothing of a body origin refused, and stops there", async () => {
    const outbox = outboxOf([event(1), event(2)]);
    const origin = originAnswering(() => false);
    new Forwarder(CONFIG, outbox, origin, alarm()).kick();
    await settled();
    expect(origin.posted).toEqual([[1, 2]]);
    expect(outbox.committed).toBe(0);
  });

  it("after a refusal backs off, doubling, and asks the alarm to retry; a kick during the backoff posts nothing", async () => {
    const outbox = outboxOf([event(1)]);
    const origin = originAnswering(() => false);
    const clock = alarm();
    const forwarder = new Forwarder(CONFIG, outbox, origin, clock);
    const start = Date.now();
    forwarder.kick();
    await settled();
    const firstRetry = forwarder.nextWake()!;
    expect(firstRetry - start).toBeGreaterThanOrEqual(0.75 * RETRY_MS);
    expect(firstRetry - start).toBeLessThanOrEqual(1.25 * RETRY_MS);
    expect(clock.asked).toHaveLength(1);
    forwarder.kick();
    await settled();
    expect(origin.posted).toHaveLength(1);
    vi.setSystemTime(firstRetry);
    forwarder.runDue();
    await settled();
    expect(origin.posted).toHaveLength(2);
    const secondRetry = forwarder.nextWake()! - firstRetry;
    expect(secondRetry).toBeGreaterThanOrEqual(1.5 * RETRY_MS);
    expect(secondRetry).toBeLessThanOrEqual(2.5 * RETRY_MS);
  });

  it("once origin takes a body again, the backoff starts over and the alarm is wanted only while origin is behind", async () => {
    let up = false;
    const outbox = outboxOf([event(1)]);
    const origin = originAnswering(() => up);
    const forwarder = new Forwarder(CONFIG, outbox, origin, alarm());
    forwarder.kick();
    await settled();
    up = true;
    vi.setSystemTime(forwarder.nextWake()!);
    forwarder.runDue();
    await settled();
    expect(outbox.committed).toBe(1);
    forwarder.runDue();
    expect(forwarder.nextWake()).toBeNull();
  });

  it("does nothing without an origin: the edge's own storage is the durable store", async () => {
    const outbox = outboxOf([event(1)]);
    const origin = originAnswering(() => true);
    const forwarder = new Forwarder({ originUrl: undefined, outboxRetryMs: RETRY_MS }, outbox, origin, alarm());
    forwarder.kick();
    forwarder.runDue();
    await settled();
    expect(origin.posted).toEqual([]);
    expect(forwarder.nextWake()).toBeNull();
  });
});
