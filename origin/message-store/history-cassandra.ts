/**
 * Reads a page of history across bucket partitions: walks the conversation's buckets (message_buckets) from the
 * starting one, newest-first or oldest-first, until the page plus one row (to learn `hasMore`) is collected.
 */
import type cassandra from "cassandra-driver";
import type { MessageStatements } from "./cql.js";
import { bucketOf } from "./buckets.js";

const MAX_BUCKET = 2_147_483_647;
const BUCKETS_PER_QUERY = 64;

export type Direction = "older" | "newer";

export class HistoryReader {
  constructor(
    private readonly client: cassandra.Client,
    private readonly cql: MessageStatements,
  ) {}

  /** Up to `count` rows below `before` (or the newest), newest first. */
  async older(conversationId: string, before: number | undefined, count: number): Promise<cassandra.types.Row[]> {
    const start = before === undefined ? MAX_BUCKET : bucketOf(before - 1);
    if (start < 0) return [];
    const rows: cassandra.types.Row[] = [];
    for await (const bucket of this.buckets(conversationId, start, "older")) {
      const [query, params] =
        before === undefined
          ? [this.cql.newest, [conversationId, bucket, count - rows.length]]
          : [this.cql.below, [conversationId, bucket, before, count - rows.length]];
      rows.push(...(await this.client.execute(query, params)).rows);
      if (rows.length >= count) break;
    }
    return rows;
  }

  /** Up to `count` rows above `after`, oldest first. */
  async newer(conversationId: string, after: number, count: number): Promise<cassandra.types.Row[]> {
    const rows: cassandra.types.Row[] = [];
    for await (const bucket of this.buckets(conversationId, bucketOf(after + 1), "newer")) {
      rows.push(
        ...(await this.client.execute(this.cql.above, [conversationId, bucket, after, count - rows.length])).rows,
      );
      if (rows.length >= count) break;
    }
    return rows;
  }

  private async *buckets(conversationId: string, from: number, direction: Direction): AsyncGenerator<number> {
    const query = direction === "older" ? this.cql.bucketsDown : this.cql.bucketsUp;
    let cursor = from;
    for (;;) {
      const { rows } = await this.client.execute(query, [conversationId, cursor, BUCKETS_PER_QUERY]);
      for (const row of rows) yield row.get("bucket") as number;
      if (rows.length < BUCKETS_PER_QUERY) return;
      const last = rows[rows.length - 1]!.get("bucket") as number;
      cursor = direction === "older" ? last - 1 : last + 1;
    }
  }
}
