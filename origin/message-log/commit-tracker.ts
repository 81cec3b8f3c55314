/**
 * Which offsets a consumer may commit. A record is pending from the moment its handler takes it until every hold on
 * it was released (push holds a message once per notification window carrying it); the committable offset of a
 * partition is its lowest pending record, or just past the newest record handled when none is pending. Committing
 * never skips an unhandled record.
 */
interface PartitionState {
  /** Pending offsets and how many holds each still has. */
  pending: Map<bigint, number>;
  newest: bigint;
  committed: bigint;
}

export class CommitTracker {
  private readonly partitions = new Map<number, PartitionState>();

  /** false for a record already read (re-delivered after a rebalance): it is pending or handled, and must be skipped. */
  isNew(partition: number, offset: string): boolean {
    return BigInt(offset) > this.state(partition).newest;
  }

  /** Marks every record up to `offset` handled, except those pending. */
  advance(partition: number, offset: string): void {
    const state = this.state(partition);
    const at = BigInt(offset);
    if (at > state.newest) state.newest = at;
  }

  /** Marks a record taken, and pending (one hold: the handler's) until `finish`. */
  begin(partition: number, offset: string): void {
    this.advance(partition, offset);
    this.state(partition).pending.set(BigInt(offset), 1);
  }

  /** One more hold on a pending record. */
  hold(partition: number, offset: string): void {
    const pending = this.partitions.get(partition)?.pending;
    const at = BigInt(offset);
    const holds = pending?.get(at);
    if (pending && holds !== undefined) pending.set(at, holds + 1);
  }

  /** Releases one hold; the record is handled once none is left. */
  finish(partition: number, offset: string): void {
    const pending = this.partitions.get(partition)?.pending;
    const at = BigInt(offset);
    const holds = pending?.get(at);
    if (!pending || holds === undefined) return;
    if (holds > 1) pending.set(at, holds - 1);
    else pending.delete(at);
  }

  /** Offsets (next record to read) that moved since the last `committed` call. */
  committable(): { partition: number; offset: string }[] {
    const ready: { partition: number; offset: string }[] = [];
    for (const [partition, state] of this.partitions) {
      const next = state.pending.size > 0 ? min(state.pending.keys()) : state.newest + 1n;
      if (next > state.committed) ready.push({ partition, offset: next.toString() });
    }
    return ready;
  }

  committed(partition: number, offset: string): void {
    const state = this.partitions.get(partition);
    if (state && BigInt(offset) > state.committed) state.committed = BigInt(offset);
  }

  /** After a rebalance: forget partitions this consumer no longer owns, so it never commits for them. */
  retain(partitions: readonly number[]): void {
    for (const partition of [...this.partitions.keys()])
      if (!partitions.includes(partition)) this.partitions.delete(partition);
  }

  private state(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, (state = { pending: new Map(), newest: -1n, committed: -1n }));
    return state;
  }
}

function min(values: Iterable<bigint>): bigint {
  let lowest: bigint | undefined;
  for (const v of values) if (lowest === undefined || v < lowest) lowest = v;
  return lowest!;
}
