/** MessageStore on Cassandra: `messages ((conversation_id, bucket), seq)` plus the `message_buckets` index. */
import type cassandra from "cassandra-driver";
import { fail, ok, type Result } from "../../protocol/errors.js";
import type { HistoryQuery } from "../../protocol/http.js";
import type { HistoryPage, Message } from "../../protocol/message.js";
import { mapLimit } from "../shared/map-limit.js";
import { errorMessage } from "../shared/timeout.js";
import { bucketOf } from "./buckets.js";
import { messageRow, messageStatements, type MessageStatements } from "./cql.js";
import { HistoryReader } from "./history-cassandra.js";
import { KnownBuckets } from "./known-buckets.js";
import type { MessageStore } from "./message-store.js";

/**
 * Statements per unlogged batch: one partition each, so the batch is one mutation, but a bounded one (250 messages
 * of the largest body are 1 MiB). Few large batches rather than many small ones: under load, Cassandra's cost here
 * is mostly per request (docs/benchmarks.md, `origin`).
 */
const MAX_BATCH = 250;
/** Partitions written at once per upsert: enough that Cassandra always has work queued (its latency is high under load). */
const WRITE_CONCURRENCY = 64;
const KNOWN_BUCKETS = 100_000;

interface PartitionGroup {
  conversationId: string;
  bucket: number;
  messages: Message[];
}

export class CassandraMessageStore implements MessageStore {
  private readonly cql: MessageStatements;
  private readonly history: HistoryReader;
  private readonly buckets = new KnownBuckets(KNOWN_BUCKETS);

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
  ) {
    this.cql = messageStatements(keyspace);
    this.history = new HistoryReader(client, this.cql);
  }

  async upsert(messages: readonly Message[]): Promise<Result<void>> {
    try {
      await mapLimit(groupByPartition(messages), WRITE_CONCURRENCY, (group) => this.writeGroup(group));
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", `message store: ${errorMessage(error)}`);
    }
  }

  async page(conversationId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    try {
      const want = query.limit + 1;
      const rows =
        query.after !== undefined
          ? await this.history.newer(conversationId, query.after, want)
          : await this.history.older(conversationId, query.before, want);
      const page = rows.slice(0, query.limit).map(toMessage);
      if (query.after === undefined) page.reverse();
      return ok({ messages: page, hasMore: rows.length > query.limit });
    } catch (error) {
      return fail("unavailable", `message store: ${errorMessage(error)}`);
    }
  }

  async check(): Promise<Result<void>> {
    try {
      await this.client.execute(this.cql.ping);
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", errorMessage(error));
    }
  }

  private async writeGroup({ conversationId, bucket, messages }: PartitionGroup): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (!this.buckets.has(conversationId, bucket)) {
      writes.push(
        this.client
          .execute(this.cql.insertBucket, [conversationId, bucket])
          .then(() => this.buckets.add(conversationId, bucket)),
      );
    }
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      const queries = messages
        .slice(i, i + MAX_BATCH)
        .map((m) => ({ query: this.cql.insertMessage, params: messageRow(m) }));
      writes.push(this.client.batch(queries, { prepare: true, logged: false }));
    }
    await Promise.all(writes);
  }
}

/** Groups by partition key, in order of first appearance. */
function groupByPartition(messages: readonly Message[]): PartitionGroup[] {
  const groups = new Map<string, PartitionGroup>();
  for (const m of messages) {
    const bucket = bucketOf(m.seq);
    const key = `${bucket}/${m.conversationId}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { conversationId: m.conversationId, bucket, messages: [] }));
    group.messages.push(m);
  }
  return [...groups.values()];
}

function toMessage(row: cassandra.types.Row): Message {
  return {
    conversationId: row.get("conversation_id") as string,
    seq: (row.get("seq") as cassandra.types.Long).toNumber(),
    senderId: row.get("sender_id") as string,
    clientMsgId: row.get("client_msg_id") as string,
    body: row.get("body") as string,
    sentAt: (row.get("sent_at") as Date).getTime(),
  };
}
