/**
 * Search across conversations on a real Cassandra's storage-attached indexes: every word of the query, as whole
 * words, case and diacritics aside; only in the conversations named; messages in their current state (an edited one by
 * its new words only, a deleted one never, no action); newest first across conversations, cut at the limit, also for a
 * conversation with more matches than one index query reads; and bounded by the caller's signal.
 */
import cassandra from "cassandra-driver";
import { beforeAll, describe, expect, it } from "vitest";
import type { LogEntry } from "../../../origin/message-store/message-store.js";
import { CassandraMessageStore } from "../../../origin/message-store/message-store-cassandra.js";
import { KEYS_MAX } from "../../../origin/message-store/search-cassandra.js";
import type { MessageEvent } from "../../../protocol/events.js";
import type { Message, SearchPage } from "../../../protocol/message.js";
import type { OriginSearch } from "../../../protocol/search.js";
import { actionEvent, useOriginRun } from "../support.js";

const run = useOriginRun("store_search", { services: ["cassandra", "kafka"] });
let store: CassandraMessageStore;

beforeAll(() => {
  store = new CassandraMessageStore(run.backends.cassandra, run.config.cassandra.keyspace);
});

const T0 = 1_700_000_000_000;

/** A message of `conversationId` at `seq`, sent `at` ms after T0. */
function message(conversationId: string, seq: number, body: string, at = seq, senderId = "alice"): MessageEvent {
  return { kind: "message", conversationId, seq, senderId, clientMsgId: `c-${seq}`, body, sentAt: T0 + at };
}

async function stored(entries: LogEntry[]): Promise<void> {
  expect(await store.upsert(entries)).toEqual({ ok: true, value: undefined });
}

async function search(
  q: string,
  conversations: string[],
  limit = 20,
  signal = AbortSignal.timeout(10_000),
): Promise<SearchPage> {
  const page = await store.search({ q, conversations, limit }, signal);
  if (!page.ok) throw new Error(page.error.message);
  return page.value;
}

const found = (page: SearchPage) => page.messages.map((m) => `${m.conversationId}#${m.seq}`);

describe("search across conversations", () => {
  it("finds the messages with every word in any listed conversation, newest first across them", async () => {
    await stored([
      message("words-a", 1, "lunch at the cafe?", 10),
      message("words-a", 2, "the cafe is closed today", 30),
      message("words-a", 3, "closed for lunch", 40),
      message("words-b", 1, "Cafe closed, sorry", 20),
      message("words-b", 2, "see you at the café", 50),
    ]);
    const page = await search("cafe closed", ["words-a", "words-b"]);
    expect(found(page)).toEqual(["words-a#2", "words-b#1"]);
    expect(page.hasMore).toBe(false);
    expect(found(await search("cafe", ["words-b", "words-a"]))).toEqual([
      "words-b#2",
      "words-a#2",
      "words-b#1",
      "words-a#1",
    ]);
  });

  it("ignores case and diacritics on both sides, and punctuation between words", async () => {
    await stored([
      message("fold", 1, "Le CAFÉ est ouvert!"),
      message("fold", 2, "naïve Straße, Ærø"),
      message("fold", 3, "ｆｕｌｌ width"),
    ]);
    expect(found(await search("café OUVERT", ["fold"]))).toEqual(["fold#1"]);
    expect(found(await search("cafe...est", ["fold"]))).toEqual(["fold#1"]);
    expect(found(await search("NAIVE strasse aero", ["fold"]))).toEqual(["fold#2"]);
    expect(found(await search("full", ["fold"]))).toEqual(["fold#3"]);
  });

  it("matches whole words: a word's beginning alone finds nothing", async () => {
    await stored([message("whole", 1, "cafeteria")]);
    expect(found(await search("cafe", ["whole"]))).toEqual([]);
    expect(found(await search("cafeteria", ["whole"]))).toEqual(["whole#1"]);
  });

  it("never answers from a conversation that is not listed", async () => {
    await stored([message("listed", 1, "secret plans"), message("unlisted", 1, "secret plans")]);
    expect(found(await search("secret", ["listed"]))).toEqual(["listed#1"]);
    expect(found(await search("secret", ["nobody-here"]))).toEqual([]);
  });

  it("finds an edited message by its new words only, in its current state, whatever order the entries came in", async () => {
    const edit = actionEvent("edited", 2, { kind: "edit", target: 1, body: "meet at noon", editedAt: T0 + 2 });
    await stored([edit, message("edited", 1, "meet at nine")]);
    expect(found(await search("nine", ["edited"]))).toEqual([]);
    const page = await search("noon", ["edited"]);
    expect(page.messages).toEqual([
      {
        conversationId: "edited",
        seq: 1,
        senderId: "alice",
        clientMsgId: "c-1",
        body: "meet at noon",
        sentAt: T0 + 1,
        editedAt: T0 + 2,
      },
    ]);
    // Replayed afterwards, the original message changes nothing.
    await stored([message("edited", 1, "meet at nine")]);
    expect(found(await search("nine", ["edited"]))).toEqual([]);
    expect(found(await search("noon", ["edited"]))).toEqual(["edited#1"]);
  });

  it("never finds a deleted message, nor an action's row, even when the message is replayed after its delete", async () => {
    await stored([
      message("deleted", 1, "delete me please"),
      actionEvent("deleted", 2, { kind: "edit", target: 1, body: "delete me now please", editedAt: T0 + 2 }),
      actionEvent("deleted", 3, { kind: "delete", target: 1 }),
      { ...message("deleted", 4, ""), deleted: true },
      message("deleted", 5, "please keep me"),
    ]);
    expect(found(await search("please", ["deleted"]))).toEqual(["deleted#5"]);
    await stored([message("deleted", 1, "delete me please")]);
    expect(found(await search("delete", ["deleted"]))).toEqual([]);
    expect(found(await search("please", ["deleted"]))).toEqual(["deleted#5"]);
  });

  it("answers each message as history pages do: reactions and the quote of the message it replies to", async () => {
    await stored([
      message("state", 1, "what time is lunch?"),
      { ...message("state", 2, "lunch at one", 2, "bob"), replyTo: 1 },
      actionEvent("state", 3, { kind: "react", target: 2, emoji: "👍", on: true, count: 1 }),
    ]);
    const [hit] = (await search("lunch one", ["state"])).messages;
    const history = await store.page("state", { limit: 10 });
    expect(history.ok && history.value.messages.find((m: Message) => m.seq === 2)).toEqual(hit);
    expect(hit).toMatchObject({
      replyTo: { seq: 1, senderId: "alice", snippet: "what time is lunch?" },
      reactions: [{ emoji: "👍", count: 1, users: ["alice"] }],
    });
  });

  it("cuts at the limit, newest first, and says more matches exist", async () => {
    const conversations = ["many-a", "many-b", "many-c"];
    await stored(
      conversations.flatMap((id, c) =>
        Array.from({ length: 10 }, (_, i) => message(id, i + 1, `report number ${i + 1}`, i * 3 + c)),
      ),
    );
    const page = await search("report", [...conversations, "many-a"], 5);
    expect(found(page)).toEqual(["many-c#10", "many-b#10", "many-a#10", "many-c#9", "many-b#9"]);
    expect(page.hasMore).toBe(true);
    const all = await search("report", conversations, 30);
    expect(all.messages).toHaveLength(30);
    expect(all.hasMore).toBe(false);
  });

  it("finds a conversation's newest matches when it has more than one index query reads, across buckets", async () => {
    // Seqs 1-300 in bucket 0, 1000-1100 in bucket 1: more matches than one index query reads (KEYS_MAX), and "busy"
    // is a conversation whose older bucket comes first in token order, the order the index answers in.
    const seqs = [...Array.from({ length: 300 }, (_, i) => i + 1), ...Array.from({ length: 101 }, (_, i) => 1000 + i)];
    expect(seqs.length).toBeGreaterThan(KEYS_MAX + 1);
    await stored(seqs.map((seq) => message("busy", seq, `status update ${seq}`)));
    const first = await run.backends.cassandra.execute(
      `SELECT bucket FROM ${run.config.cassandra.keyspace}.messages WHERE conversation_id = ? AND words CONTAINS ? LIMIT 1`,
      ["busy", "status"],
    );
    expect(first.first().get("bucket")).toBe(0);
    const page = await search("status update", ["busy"], 50);
    expect(found(page)).toEqual(Array.from({ length: 50 }, (_, i) => `busy#${1100 - i}`));
    expect(page.hasMore).toBe(true);
    expect(found(await search("update 7", ["busy"]))).toEqual(["busy#7"]);
  });
});

describe("search in bounded time", () => {
  it("answers unavailable when its time was up before any conversation was searched", async () => {
    const query: OriginSearch = { q: "cafe", conversations: ["words-a"], limit: 10 };
    const page = await store.search(query, AbortSignal.abort());
    expect(page).toMatchObject({ ok: false, error: { code: "unavailable" } });
  });

  it("answers what the conversations searched in time found, with hasMore, once its time is up", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `budget-${i}`);
    await stored(ids.map((id, i) => message(id, 1, "budget line", i)));
    const stop = new AbortController();
    // A client of its own, whose tracker ends the search's time once a few of its queries answered (once their
    // callers have their rows: the tracker hears of an answer before its caller does).
    class StopAfterFive extends cassandra.tracker.RequestLogger {
      private answered = 0;
      override onSuccess(): void {
        if (++this.answered === 5) setImmediate(() => stop.abort());
      }
    }
    const client = new cassandra.Client({
      contactPoints: run.config.cassandra.contactPoints,
      localDataCenter: run.config.cassandra.localDataCenter,
      queryOptions: { prepare: true },
      requestTracker: new StopAfterFive({}),
    });
    try {
      const bounded = new CassandraMessageStore(client, run.config.cassandra.keyspace);
      const page = await bounded.search({ q: "budget", conversations: ids, limit: 50 }, stop.signal);
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.hasMore).toBe(true);
      expect(page.value.messages.length).toBeGreaterThan(0);
      expect(page.value.messages.length).toBeLessThan(50);
      expect(page.value.messages.every((m) => m.body === "budget line")).toBe(true);
    } finally {
      await client.shutdown();
    }
  });
});
