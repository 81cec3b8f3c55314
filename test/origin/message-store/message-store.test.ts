/**
 * The Cassandra message store on a real Cassandra: whatever the messages' sizes, a partition's messages are written
 * in batches Cassandra accepts, and every bucket a message lands in is listed in the bucket index, which history
 * pages walk.
 */
import { describe, expect, it } from "vitest";
import { CassandraMessageStore } from "../../../origin/message-store/message-store-cassandra.js";
import { MAX_BODY_BYTES } from "../../../protocol/limits.js";
import type { MessageEvent } from "../../../protocol/events.js";
import { countMessages, useOriginRun } from "../support.js";

const run = useOriginRun("store", { services: ["cassandra", "kafka"] });

const message = (conversationId: string, seq: number, body: string): MessageEvent => ({
  kind: "message",
  conversationId,
  seq,
  senderId: "alice",
  clientMsgId: `c-${seq}`,
  body,
  sentAt: 1_700_000_000_000 + seq,
});

async function bucketsOf(conversationId: string): Promise<number[]> {
  const rs = await run.backends.cassandra.execute(
    `SELECT bucket FROM ${run.config.cassandra.keyspace}.message_buckets WHERE conversation_id = ?`,
    [conversationId],
  );
  return rs.rows.map((r) => r.get("bucket") as number).sort((a, b) => a - b);
}

describe("CassandraMessageStore.upsert", () => {
  it("stores a whole partition of maximum-size messages at once", async () => {
    const store = new CassandraMessageStore(run.backends.cassandra, run.config.cassandra.keyspace);
    const body = "x".repeat(MAX_BODY_BYTES);
    const messages = Array.from({ length: 1000 }, (_, i) => message("big", i + 1000, body));
    expect(await store.upsert(messages)).toEqual({ ok: true, value: undefined });
    expect(await countMessages(run.backends, run.config, "big", 1999)).toBe(1000);
  });

  it("lists every bucket written in the bucket index, including new buckets of a conversation already written", async () => {
    const store = new CassandraMessageStore(run.backends.cassandra, run.config.cassandra.keyspace);
    await store.upsert([message("index", 1, "a"), message("index", 2, "b")]);
    await store.upsert([message("index", 3, "c"), message("index", 1000, "d")]);
    await store.upsert([message("index", 2500, "e")]);
    expect(await bucketsOf("index")).toEqual([0, 1, 2]);
    const page = await store.page("index", { limit: 10 });
    expect(page.ok && page.value.messages.map((m) => m.seq)).toEqual([1, 2, 3, 1000, 2500]);
  });
});
