/**
 * Reads the rows of a page of history across bucket partitions: walks the conversation's buckets (message_buckets)
 * from the starting one, newest-first or oldest-first, until the page plus one message (to learn `hasMore`) is
 * collected. Actions' rows sit between the messages (every seq is a row) and are passed over: CQL cannot filter on a
 * column being null, so a bucket is read on from the last row seen until enough messages came or it ends.
 */
import type cassandra from "cassandra-driver";
import type { MessageStatements } from "./cql.js";
import { BUCKET_SIZE, bucketOf } from "./buckets.js";

export const MAX_BUCKET = 2_147_483_647;
const BUCKETS_PER_QUERY = 64;

export type Direction = "older" | "newer";

export class HistoryReader {
  constructor(
    private readonly client: cassandra.Client,
    private readonly cql: MessageStatements,
  ) {}

  /** Up to `count` message rows below `before` (or the newest), newest first. */
  older(conversationId: string, before: number | undefined, count: number): Promise<cassandra.types.Row[]> {
    const start = before === undefined ? MAX_BUCKET : bucketOf(before - 1);
    return this.collect(conversationId, "older", start, before, count);
  }

  /** Up to `count` message rows above `after`, oldest first. */
  newer(conversationId: string, after: number, count: number): Promise<cassandra.types.Row[]> {
    return this.collect(conversationId, "newer", bucketOf(after + 1), after, count);
  }

  private async collect(
    conversationId: string,
    direction: Direction,
    start: number,
    bound: number | undefined,
    count: number,
  ): Promise<cassandra.types.Row[]> {
    if (start < 0) return [];
    const rows: cassandra.types.Row[] = [];
    for await (const bucket of this.buckets(conversationId, start, direction)) {
      let cursor = bound;
      // What is missing, at first; each further read of the bucket asks for twice as many rows: a run of actions
      // (a burst of reactions) is crossed in a few reads.
      let ask = 0;
      while (rows.length < count) {
        ask = Math.min(Math.max(count - rows.length, ask * 2), BUCKET_SIZE);
        const read = await this.slice(conversationId, bucket, direction, cursor, ask);
        rows.push(...read.filter(isMessageRow));
        if (read.length < ask) break;
        cursor = seqOf(read.at(-1)!);
      }
      if (rows.length >= count) break;
    }
    return rows.slice(0, count);
  }

  /** Up to `limit` rows of one bucket beyond `cursor` (none: from the newest), in `direction`'s order. */
  private async slice(
    conversationId: string,
    bucket: number,
    direction: Direction,
    cursor: number | undefined,
    limit: number,
  ): Promise<cassandra.types.Row[]> {
    const [query, params] =
      cursor === undefined
        ? [this.cql.newest, [conversationId, bucket, limit]]
        : [direction === "older" ? this.cql.below : this.cql.above, [conversationId, bucket, cursor, limit]];
    return (await this.client.execute(query, params)).rows;
  }

  /** The conversation's buckets from `from` on (inclusive), in `direction`'s order (older: highest first). */
  async *buckets(conversationId: string, from: number, direction: Direction): AsyncGenerator<number> {
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

/**
 * A message's row: not an action's, and written by its message (an action applied to a seq whose message never
 * reached origin makes a row holding only the action's effect).
 */
export function isMessageRow(row: cassandra.types.Row): boolean {
  return row.get("action") === null && row.get("sender_id") !== null;
}

export function seqOf(row: cassandra.types.Row): number {
  return (row.get("seq") as cassandra.types.Long).toNumber();
}
