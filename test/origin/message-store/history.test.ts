/**
 * GET /v1/history over 2,500 messages (three bucket partitions: seqs 1-999, 1000-1999, 2000-2500): every page is
 * correct across bucket boundaries, in both directions, with the edge's answer shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../../../origin/backends.js";
import type { OriginConfig } from "../../../origin/config.js";
import type { RunningServices } from "../../../origin/main.js";
import type { HistoryPage } from "../../../protocol/message.js";
import {
  bodyOf,
  cleanupRun,
  configOf,
  countMessages,
  ingest,
  messageEvents,
  prepareRun,
  requireServices,
  signedFetch,
  startProcess,
  testEnv,
  waitFor,
} from "../support.js";

const CONVERSATION = "history-conv";
const TOTAL = 2_500;
let config: OriginConfig;
let backends: Backends;
let origin: RunningServices;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function page(query: string, conversationId = CONVERSATION): Promise<HistoryPage> {
  const res = await signedFetch(origin.url, "GET", `/v1/history/${conversationId}${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryPage;
}

const seqs = (p: HistoryPage) => p.messages.map((m) => m.seq);

beforeAll(async () => {
  config = configOf(testEnv("history"));
  await requireServices(config);
  backends = await prepareRun(config);
  origin = await startProcess(config, "ingest,persister", backends);
  for (let from = 1; from <= TOTAL; from += 500)
    expect((await ingest(origin.url, messageEvents(CONVERSATION, from, from + 499))).status).toBe(200);
  await waitFor(
    `${TOTAL} stored messages`,
    async () => (await countMessages(backends, config, CONVERSATION, TOTAL)) === TOTAL,
    60_000,
    200,
  );
});

afterAll(async () => {
  await origin?.stop();
  if (config) await cleanupRun(config, backends);
});

describe("history pages", () => {
  it("without before/after answers the newest page, ascending, and says older messages exist", async () => {
    const newest = await page("");
    expect(seqs(newest)).toEqual(range(2451, 2500));
    expect(newest.hasMore).toBe(true);
    expect(newest.messages[0]).toEqual({
      conversationId: CONVERSATION,
      seq: 2451,
      senderId: "alice",
      clientMsgId: "c-2451",
      body: bodyOf(CONVERSATION, 2451),
      sentAt: 1_700_000_000_000 + 2451,
    });
  });

  it("pages spanning a bucket boundary are complete in both directions", async () => {
    expect(seqs(await page("?before=1020&limit=50"))).toEqual(range(970, 1019));
    expect(seqs(await page("?after=990&limit=20"))).toEqual(range(991, 1010));
    expect(seqs(await page("?after=1950&limit=100"))).toEqual(range(1951, 2050));
    expect(seqs(await page("?before=2001&limit=2"))).toEqual([1999, 2000]);
    expect(seqs(await page("?after=999&limit=1"))).toEqual([1000]);
  });

  it("walking backwards from the newest page visits every message once, ending with hasMore false", async () => {
    const seen: number[] = [];
    let current = await page("?limit=100");
    let pages = 1;
    for (; current.hasMore; pages++) {
      seen.unshift(...seqs(current));
      current = await page(`?before=${current.messages[0]!.seq}&limit=100`);
    }
    seen.unshift(...seqs(current));
    expect(seen).toEqual(range(1, TOTAL));
    expect(pages).toBe(25);
  });

  it("walking forwards from after=0 visits every message once, ending with hasMore false", async () => {
    const seen: number[] = [];
    let current = await page("?after=0&limit=100");
    for (; current.hasMore; current = await page(`?after=${current.messages.at(-1)!.seq}&limit=100`))
      seen.push(...seqs(current));
    seen.push(...seqs(current));
    expect(seen).toEqual(range(1, TOTAL));
  });

  it("answers empty or short pages at both ends", async () => {
    expect(await page(`?after=${TOTAL}`)).toEqual({ messages: [], hasMore: false });
    expect(await page("?before=1")).toEqual({ messages: [], hasMore: false });
    const first = await page("?before=3&limit=5");
    expect([seqs(first), first.hasMore]).toEqual([[1, 2], false]);
    const last = await page(`?after=${TOTAL - 2}&limit=5`);
    expect([seqs(last), last.hasMore]).toEqual([[TOTAL - 1, TOTAL], false]);
    expect(await page("", "never-used-conv")).toEqual({ messages: [], hasMore: false });
  });

  it("serves a direct conversation's id with colons, percent-encoded as the edge sends it", async () => {
    const id = "dm:alice:bob";
    expect((await ingest(origin.url, messageEvents(id, 1, 3))).status).toBe(200);
    await waitFor("the direct conversation stored", async () => (await countMessages(backends, config, id, 3)) === 3);
    const direct = await page("?limit=2", encodeURIComponent(id));
    expect([direct.messages.map((m) => [m.conversationId, m.seq]), direct.hasMore]).toEqual([
      [
        [id, 2],
        [id, 3],
      ],
      true,
    ]);
  });

  it("refuses invalid queries with 400", async () => {
    for (const query of ["?before=10&after=2", "?limit=0", "?limit=101", "?before=x"]) {
      const res = await signedFetch(origin.url, "GET", `/v1/history/${CONVERSATION}${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code).toBe("bad_request");
    }
  });
});
