/**
 * GET /v1/history over 2,500 messages (three bucket partitions: seqs 1-999, 1000-1999, 2000-2500): every page is
 * correct across bucket boundaries, in both directions, with the edge's answer shape. With message actions: a page
 * holds messages only, in their current state as the edge shows them (edited body, tombstone, reactions, quotes),
 * and its limit counts messages, however many actions' rows lie between them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { REACTION_USERS_SHOWN, snippetOf } from "../../../protocol/actions.js";
import type { OriginEvent } from "../../../protocol/events.js";
import type { HistoryPage } from "../../../protocol/message.js";
import {
  actionEvent,
  bodyOf,
  countMessages,
  ingest,
  messageEvents,
  persisterCaughtUp,
  signedFetch,
  useOriginRun,
  waitFor,
} from "../support.js";

const CONVERSATION = "history-conv";
const TOTAL = 2_500;
const run = useOriginRun("history", { processes: { origin: "ingest,persister" } });

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function page(query: string, conversationId = CONVERSATION): Promise<HistoryPage> {
  const res = await signedFetch(run.origin.url, "GET", `/v1/history/${conversationId}${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryPage;
}

const seqs = (p: HistoryPage) => p.messages.map((m) => m.seq);

beforeAll(async () => {
  for (let from = 1; from <= TOTAL; from += 500)
    expect((await ingest(run.origin.url, messageEvents(CONVERSATION, from, from + 499))).status).toBe(200);
  await waitFor(
    `${TOTAL} stored messages`,
    async () => (await countMessages(run.backends, run.config, CONVERSATION, TOTAL)) === TOTAL,
    60_000,
    200,
  );
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
    expect((await ingest(run.origin.url, messageEvents(id, 1, 3))).status).toBe(200);
    await waitFor(
      "the direct conversation stored",
      async () => (await countMessages(run.backends, run.config, id, 3)) === 3,
    );
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
      const res = await signedFetch(run.origin.url, "GET", `/v1/history/${CONVERSATION}${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code).toBe("bad_request");
    }
  });
});

/** Ingests a conversation's entries (in bodies of at most 500) and waits until the persister has written them. */
async function ingestStored(events: OriginEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500)
    expect((await ingest(run.origin.url, events.slice(i, i + 500))).status).toBe(200);
  await waitFor("the entries persisted", () => persisterCaughtUp(run.config), 30_000, 200);
}

describe("history pages with message actions", () => {
  it("show each message in its current state: edited body, tombstone, reactions and the quotes of replies", async () => {
    const id = "state-conv";
    const [first, , toDelete] = messageEvents(id, 1, 3);
    const edited = `first, edited ${"and made long ".repeat(10)}`;
    const reactors = Array.from({ length: 25 }, (_, i) => `user${String(i).padStart(2, "0")}`);
    const events: OriginEvent[] = [
      first!,
      { ...messageEvents(id, 2, 2, "bob")[0]!, replyTo: 1 },
      { ...toDelete!, senderId: "carol" },
      { ...messageEvents(id, 4, 4, "dave")[0]!, replyTo: 3 },
      { ...messageEvents(id, 5, 5, "erin")[0]!, replyTo: 999 },
      actionEvent(id, 6, { kind: "edit", target: 1, body: edited, editedAt: 1_700_000_000_006 }),
      actionEvent(id, 7, { kind: "react", target: 1, emoji: "❤️", on: true, count: 1 }, "bob"),
      ...reactors.map((user, i) =>
        actionEvent(id, 8 + i, { kind: "react", target: 1, emoji: "👍", on: true, count: i + 1 }, user),
      ),
      actionEvent(id, 33, { kind: "react", target: 1, emoji: "❤️", on: false, count: 0 }, "bob"),
      actionEvent(id, 34, { kind: "react", target: 1, emoji: "❤️", on: true, count: 1 }, "carol"),
      actionEvent(id, 35, { kind: "react", target: 3, emoji: "😮", on: true, count: 1 }, "bob"),
      actionEvent(id, 36, { kind: "delete", target: 3 }, "carol"),
    ];
    await ingestStored(events);
    const { messages, hasMore } = await page("", id);
    expect([seqs({ messages, hasMore }), hasMore]).toEqual([[1, 2, 3, 4, 5], false]);
    expect(messages[0]).toEqual({
      conversationId: id,
      seq: 1,
      senderId: "alice",
      clientMsgId: "c-1",
      body: edited,
      sentAt: 1_700_000_000_001,
      editedAt: 1_700_000_000_006,
      reactions: [
        { emoji: "👍", count: 25, users: reactors.slice(0, REACTION_USERS_SHOWN) },
        { emoji: "❤️", count: 1, users: ["carol"] },
      ],
    });
    expect(messages[1]!.replyTo).toEqual({ seq: 1, senderId: "alice", snippet: snippetOf(edited) });
    expect(messages[2]).toEqual({
      conversationId: id,
      seq: 3,
      senderId: "carol",
      clientMsgId: "c-3",
      body: "",
      sentAt: 1_700_000_000_003,
      deleted: true,
    });
    expect(messages[3]!.replyTo).toEqual({ seq: 3, senderId: "carol", deleted: true });
    expect(messages[4]!.replyTo).toEqual({ seq: 999 });
  });

  it("count messages only: pages skip the actions' rows, within a bucket and across a boundary, in both directions", async () => {
    const id = "gaps-conv";
    // Messages 1-10, 300 reactions (seqs 11-310), messages 311-1100 with every third seq a reaction, and a reply in
    // the next bucket to message 3, whose quote is read from a bucket the page does not span.
    const isMessage = (seq: number) => seq <= 10 || (seq > 310 && seq % 3 !== 0);
    const react = (seq: number) =>
      actionEvent(id, seq, { kind: "react", target: 10, emoji: "👍", on: seq % 2 === 0, count: 1 }, "bob");
    const events: OriginEvent[] = Array.from({ length: 1100 }, (_, i) =>
      isMessage(i + 1) ? messageEvents(id, i + 1, i + 1)[0]! : react(i + 1),
    );
    events.push({ ...messageEvents(id, 1101, 1101)[0]!, replyTo: 3 });
    await ingestStored(events);
    const all = range(1, 1101).filter((seq) => seq === 1101 || isMessage(seq));

    expect(seqs(await page(`?before=311&limit=5`, id))).toEqual([6, 7, 8, 9, 10]);
    expect(seqs(await page(`?after=10&limit=3`, id))).toEqual([311, 313, 314]);
    const newest = await page("?limit=2", id);
    expect([seqs(newest), newest.hasMore, newest.messages[1]!.replyTo]).toEqual([
      [1100, 1101],
      true,
      { seq: 3, senderId: "alice", snippet: bodyOf(id, 3) },
    ]);
    const backwards: number[] = [];
    for (
      let current = await page("?limit=100", id);
      ;
      current = await page(`?before=${current.messages[0]!.seq}&limit=100`, id)
    ) {
      backwards.unshift(...seqs(current));
      if (!current.hasMore) break;
      expect(current.messages).toHaveLength(100);
    }
    expect(backwards).toEqual(all);
    const forwards: number[] = [];
    for (
      let current = await page("?after=0&limit=100", id);
      ;
      current = await page(`?after=${current.messages.at(-1)!.seq}&limit=100`, id)
    ) {
      forwards.push(...seqs(current));
      if (!current.hasMore) break;
    }
    expect(forwards).toEqual(all);
  });
});
