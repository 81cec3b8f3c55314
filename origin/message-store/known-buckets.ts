/**
 * The `message_buckets` rows this process has already written. The row is an idempotent index entry, so writing it
 * with every batch is correct but costs Cassandra a request per partition per batch, as much as the batch of
 * messages itself. Once a write of it succeeded the row exists (nothing deletes it), so later batches skip it.
 * Bounded: past `limit` entries the oldest are forgotten, which only costs a repeated (harmless) write.
 */
export class KnownBuckets {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number) {}

  has(conversationId: string, bucket: number): boolean {
    return this.keys.has(keyOf(conversationId, bucket));
  }

  /** Records a row whose write succeeded. */
  add(conversationId: string, bucket: number): void {
    if (this.keys.size >= this.limit) this.keys.delete(this.keys.values().next().value!);
    this.keys.add(keyOf(conversationId, bucket));
  }
}

const keyOf = (conversationId: string, bucket: number) => `${bucket}/${conversationId}`;
