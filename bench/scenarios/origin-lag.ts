/**
 * End-to-end lag of the `origin` pipeline, per event: from its `sentAt` (set as the bench builds the batch it
 * posts) to the moment the persister wrote its row, which Cassandra keeps as the row's write time (the driver
 * stamps each write client-side, on this machine's clock: one clock for both ends).
 */
import type cassandra from "cassandra-driver";
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import { bucketOf } from "../../origin/message-store/buckets.js";
import { mapLimit } from "../../origin/shared/map-limit.js";
import { percentiles, type Percentiles } from "../load/result.js";
import { newHistogram } from "../load/tracker.js";
import type { Stream } from "./origin-load.js";

export async function persistLag(backends: Backends, config: OriginConfig, streams: Stream[]): Promise<Percentiles> {
  const lag = newHistogram();
  const query = `SELECT sent_at, WRITETIME(body) AS written FROM ${config.cassandra.keyspace}.messages WHERE conversation_id = ? AND bucket = ?`;
  const partitions = streams.flatMap((s) =>
    Array.from({ length: bucketOf(s.seq) + 1 }, (_, bucket) => [s.id, bucket] as const),
  );
  await mapLimit(partitions, 16, async (params) => {
    // A partition holds at most BUCKET_SIZE rows: one page.
    const rs = await backends.cassandra.execute(query, [...params], { prepare: true, fetchSize: 5_000 });
    for (const row of rs.rows) {
      const writtenUs = (row.get("written") as cassandra.types.Long).toNumber();
      const sentUs = (row.get("sent_at") as Date).getTime() * 1000;
      lag.recordValue(Math.max(1, writtenUs - sentUs));
    }
  });
  return percentiles(lag);
}
