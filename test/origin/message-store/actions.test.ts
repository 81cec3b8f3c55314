/**
 * The Cassandra message store applies message actions on a real Cassandra: every log entry is a row, each action's
 * effect lands on its target as if applied in seq order, whatever order the entries are written in and however often
 * (an at-least-once stream replayed from an older offset), and a delete leaves no body in the row.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applySchema } from "../../../origin/cassandra/schema.js";
import type { LogEntry } from "../../../origin/message-store/message-store.js";
import { CassandraMessageStore } from "../../../origin/message-store/message-store-cassandra.js";
import type { MessageEvent } from "../../../protocol/events.js";
import type { Message } from "../../../protocol/message.js";
import { actionEvent, configOf, countMessages, messageEvents, testEnv, useOriginRun } from "../support.js";

const run = useOriginRun("store_actions", { services: ["cassandra", "kafka"] });
let store: CassandraMessageStore;

beforeAll(() => {
  store = new CassandraMessageStore(run.backends.cassandra, run.config.cassandra.keyspace);
});

/**
 * A conversation's log: alice says hello, bob replies, alice edits hers, bob and carol react, bob takes his back,
 * bob deletes his reply (and carol's reaction on it goes with it).
 */
function stream(conversationId: string): LogEntry[] {
  const [hello] = messageEvents(conversationId, 1, 1);
  const reply: MessageEvent = { ...messageEvents(conversationId, 2, 2, "bob")[0]!, replyTo: 1 };
  const at = (seq: number, action: Parameters<typeof actionEvent>[2], senderId = "alice") =>
    actionEvent(conversationId, seq, action, senderId);
  return [
    hello!,
    reply,
    at(3, { kind: "edit", target: 1, body: "hello, world", editedAt: 1_700_000_000_003 }),
    at(4, { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }, "bob"),
    at(5, { kind: "react", target: 2, emoji: "❤️", on: true, count: 1 }, "carol"),
    at(6, { kind: "react", target: 1, emoji: "👍", on: true, count: 2 }, "carol"),
    at(7, { kind: "react", target: 1, emoji: "👍", on: false, count: 1 }, "bob"),
    at(8, { kind: "delete", target: 2 }, "bob"),
  ];
}

/** The stream's final state, as a history page shows it. */
const finalState = (conversationId: string): Message[] => [
  {
    conversationId,
    seq: 1,
    senderId: "alice",
    clientMsgId: "c-1",
    body: "hello, world",
    sentAt: 1_700_000_000_001,
    editedAt: 1_700_000_000_003,
    reactions: [{ emoji: "👍", count: 1, users: ["carol"] }],
  },
  {
    conversationId,
    seq: 2,
    senderId: "bob",
    clientMsgId: "c-2",
    body: "",
    sentAt: 1_700_000_000_002,
    deleted: true,
    replyTo: { seq: 1, senderId: "alice", snippet: "hello, world" },
  },
];

async function rowOf(conversationId: string, seq: number) {
  const rs = await run.backends.cassandra.execute(
    `SELECT body, deleted, edited_at, action FROM ${run.config.cassandra.keyspace}.messages WHERE conversation_id = ? AND bucket = 0 AND seq = ?`,
    [conversationId, seq],
  );
  const row = rs.first();
  return {
    body: row.get("body"),
    deleted: row.get("deleted"),
    editedAt: row.get("edited_at"),
    action: row.get("action"),
  };
}

async function reactionRows(conversationId: string): Promise<string[]> {
  const rs = await run.backends.cassandra.execute(
    `SELECT seq, emoji, user_id FROM ${run.config.cassandra.keyspace}.message_reactions WHERE conversation_id = ? AND bucket = 0`,
    [conversationId],
  );
  return rs.rows.map((r) => `${String(r.get("seq"))} ${r.get("emoji") as string} ${r.get("user_id") as string}`);
}

async function messagesOf(conversationId: string): Promise<Message[]> {
  const page = await store.page(conversationId, { limit: 100 });
  if (!page.ok) throw new Error(page.error.message);
  return page.value.messages;
}

describe("CassandraMessageStore actions", () => {
  it("stores every entry as a row and applies edit, delete and reactions to their targets in seq order", async () => {
    expect(await store.upsert(stream("ordered"))).toEqual({ ok: true, value: undefined });
    expect(await countMessages(run.backends, run.config, "ordered", 8)).toBe(8);
    expect(await messagesOf("ordered")).toEqual(finalState("ordered"));
    expect(await rowOf("ordered", 8)).toEqual({
      body: "",
      deleted: null,
      editedAt: null,
      action: JSON.stringify({ kind: "delete", target: 2 }),
    });
  });

  it("a delete leaves no body in the row, no edit time and no reactions", async () => {
    const [message] = messageEvents("erased", 1, 1);
    await store.upsert([
      message!,
      actionEvent("erased", 2, { kind: "edit", target: 1, body: "secret, edited", editedAt: 5 }),
      actionEvent("erased", 3, { kind: "react", target: 1, emoji: "🔥", on: true, count: 1 }, "bob"),
    ]);
    expect(await rowOf("erased", 1)).toMatchObject({ body: "secret, edited", editedAt: new Date(5) });
    await store.upsert([actionEvent("erased", 4, { kind: "delete", target: 1 })]);
    expect(await rowOf("erased", 1)).toEqual({ body: "", deleted: true, editedAt: null, action: null });
    expect(await reactionRows("erased")).toEqual([]);
  });

  it("ends in the same state whatever order the entries are written in and however often", async () => {
    const entries = stream("shuffled");
    // Newest first, one by one, then the whole stream again: a replay from an older offset after everything landed.
    for (const entry of [...entries].reverse()) await store.upsert([entry]);
    await store.upsert(entries);
    await store.upsert([...entries, ...entries]);
    expect(await messagesOf("shuffled")).toEqual(finalState("shuffled"));
    expect(await rowOf("shuffled", 2)).toEqual({ body: "", deleted: true, editedAt: null, action: null });
    expect(await reactionRows("shuffled")).toEqual(["1 👍 carol"]);
    expect(await countMessages(run.backends, run.config, "shuffled", 8)).toBe(8);
  });

  it("a message re-delivered after its delete does not bring its body back", async () => {
    const [message] = messageEvents("redelivered", 1, 1);
    await store.upsert([message!, actionEvent("redelivered", 2, { kind: "delete", target: 1 })]);
    await store.upsert([message!]);
    expect(await rowOf("redelivered", 1)).toEqual({ body: "", deleted: true, editedAt: null, action: null });
  });

  it("a reaction put on twice is one; one taken back stays off when its putting on is replayed", async () => {
    const [message] = messageEvents("reacted", 1, 1);
    const on = actionEvent("reacted", 2, { kind: "react", target: 1, emoji: "🎉", on: true, count: 1 }, "bob");
    const off = actionEvent("reacted", 3, { kind: "react", target: 1, emoji: "🎉", on: false, count: 0 }, "bob");
    const again = actionEvent("reacted", 4, { kind: "react", target: 1, emoji: "👀", on: true, count: 1 }, "bob");
    await store.upsert([message!, on, on, again, again]);
    expect(await reactionRows("reacted")).toEqual(["1 🎉 bob", "1 👀 bob"]);
    await store.upsert([off]);
    await store.upsert([on]);
    expect(await reactionRows("reacted")).toEqual(["1 👀 bob"]);
    expect((await messagesOf("reacted"))[0]!.reactions).toEqual([{ emoji: "👀", count: 1, users: ["bob"] }]);
  });

  it("an edit forwarded with an empty body (its target deleted since) changes nothing", async () => {
    const [message] = messageEvents("late-edit", 1, 1);
    await store.upsert([message!, actionEvent("late-edit", 2, { kind: "edit", target: 1, body: "", editedAt: 9 })]);
    expect(await rowOf("late-edit", 1)).toEqual({ body: message!.body, deleted: null, editedAt: null, action: null });
  });

  it("a keyspace made before actions gets their columns and table at start, and the schema applies again unchanged", async () => {
    const older = configOf(testEnv("store_upgrade")).cassandra;
    const client = run.backends.cassandra;
    try {
      await client.execute(
        `CREATE KEYSPACE ${older.keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      // The messages table as it was created before actions existed.
      await client.execute(
        `CREATE TABLE ${older.keyspace}.messages (conversation_id text, bucket int, seq bigint, sender_id text, client_msg_id text, body text, sent_at timestamp, PRIMARY KEY ((conversation_id, bucket), seq)) WITH CLUSTERING ORDER BY (seq DESC)`,
      );
      await applySchema(client, older);
      await applySchema(client, older);
      const upgraded = new CassandraMessageStore(client, older.keyspace);
      expect(await upgraded.upsert(stream("upgraded"))).toEqual({ ok: true, value: undefined });
      const page = await upgraded.page("upgraded", { limit: 100 });
      expect(page.ok && page.value.messages).toEqual(finalState("upgraded"));
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${older.keyspace}`);
    }
  });

  it("edits and deletes rows written before actions existed, at the time of their write", async () => {
    await run.backends.cassandra.execute(
      `INSERT INTO ${run.config.cassandra.keyspace}.messages (conversation_id, bucket, seq, sender_id, client_msg_id, body, sent_at) VALUES ('legacy', 0, 1, 'alice', 'c-1', 'old text', 0)`,
    );
    await store.upsert([actionEvent("legacy", 2, { kind: "edit", target: 1, body: "new text", editedAt: 7 })]);
    expect(await rowOf("legacy", 1)).toMatchObject({ body: "new text" });
    await store.upsert([actionEvent("legacy", 3, { kind: "delete", target: 1 })]);
    expect(await rowOf("legacy", 1)).toEqual({ body: "", deleted: true, editedAt: null, action: null });
  });
});
