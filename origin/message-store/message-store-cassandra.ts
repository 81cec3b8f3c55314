/**
 * MessageStore on Cassandra: `messages ((conversation_id, bucket), seq)` (every entry of the log, actions included),
 * `message_reactions`, and the `message_buckets` index. Writes are plain upserts with seq-derived timestamps
 * (write-time.ts), grouped by partition into unlogged batches and sent concurrently: their order does not matter.
 */
import type cassandra from "cassandra-driver";
import { fail, ok, type Result } from "../../protocol/errors.js";
import type { HistoryQuery } from "../../protocol/http.js";
import type { HistoryPage, SearchPage } from "../../protocol/message.js";
import type { OriginSearch } from "../../protocol/search.js";
import { mapLimit } from "../shared/map-limit.js";
import { errorMessage } from "../shared/timeout.js";
import { bucketOf } from "./buckets.js";
import { messageStatements, type MessageStatements } from "./cql.js";
import { HistoryReader } from "./history-cassandra.js";
import { KnownBuckets } from "./known-buckets.js";
import type { LogEntry, MessageStore } from "./message-store.js";
import { mutationsOf, type Mutation } from "./mutations.js";
import { PageState } from "./page-state.js";
import { SearchReader } from "./search-cassandra.js";

/**
 * Statements per unlogged batch: one partition each, so the batch is one mutation, but a bounded one (250 messages
 * of the largest body, or edits to them, are 1 MiB). Few large batches rather than many small ones: under load,
 * Cassandra's cost here is mostly per request (docs/benchmarks.md, `origin`).
 */
const MAX_BATCH = 250;
/** Partitions written at once per upsert: enough that Cassandra always has work queued (its latency is high under load). */
const WRITE_CONCURRENCY = 64;
const KNOWN_BUCKETS = 100_000;

export class CassandraMessageStore implements MessageStore {
  private readonly cql: MessageStatements;
  private readonly history: HistoryReader;
  private readonly state: PageState;
  private readonly searches: SearchReader;
  private readonly buckets = new KnownBuckets(KNOWN_BUCKETS);

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
  ) {
    this.cql = messageStatements(keyspace);
    this.history = new HistoryReader(client, this.cql);
    this.state = new PageState(client, this.cql);
    this.searches = new SearchReader(client, this.cql, this.history, this.state);
  }

  async upsert(entries: readonly LogEntry[]): Promise<Result<void>> {
    try {
      const writes = [
        ...this.newBuckets(entries),
        ...groupByPartition(entries.flatMap((e) => mutationsOf(e, this.cql))).map((group) => () => this.write(group)),
      ];
      await mapLimit(writes, WRITE_CONCURRENCY, (write) => write());
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
      const page = rows.slice(0, query.limit);
      if (query.after === undefined) page.reverse();
      return ok({ messages: await this.state.messages(conversationId, page), hasMore: rows.length > query.limit });
    } catch (error) {
      return fail("unavailable", `message store: ${errorMessage(error)}`);
    }
  }

  async search(query: OriginSearch, signal: AbortSignal): Promise<Result<SearchPage>> {
    try {
      const page = await this.searches.search(query, signal);
      return page ? ok(page) : fail("unavailable", "message store: no conversation searched within the time allowed");
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

  /** Index entries for the buckets the entries' rows land in, unless written before. */
  private newBuckets(entries: readonly LogEntry[]): (() => Promise<void>)[] {
    const fresh = new Map<string, [string, number]>();
    for (const { conversationId, seq } of entries) {
      const bucket = bucketOf(seq);
      if (!this.buckets.has(conversationId, bucket)) fresh.set(`${bucket}/${conversationId}`, [conversationId, bucket]);
    }
    return [...fresh.values()].map(([conversationId, bucket]) => async () => {
      await this.client.execute(this.cql.insertBucket, [conversationId, bucket]);
      this.buckets.add(conversationId, bucket);
    });
  }

  /** One partition's statements, in unlogged batches of at most MAX_BATCH. */
  private async write(mutations: readonly Mutation[]): Promise<void> {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < mutations.length; i += MAX_BATCH) {
      const queries = mutations.slice(i, i + MAX_BATCH).map(({ query, params }) => ({ query, params }));
      batches.push(this.client.batch(queries, { prepare: true, logged: false }));
    }
    await Promise.all(batches);
  }
}

/** Groups by partition, in order of first appearance. */
function groupByPartition(mutations: readonly Mutation[]): Mutation[][] {
  const groups = new Map<string, Mutation[]>();
  for (const m of mutations) {
    const group = groups.get(m.partition);
    if (group) group.push(m);
    else groups.set(m.partition, [m]);
  }
  return [...groups.values()];
}
