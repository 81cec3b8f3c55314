/**
 * Which offsets the push consumer may commit. A record is pending from the moment it is read until its notification
 * was handled (coalescing holds it for a while); the committable offset of a partition is its lowest pending record,
 * or just past the newest record read when none is pending. Committing never skips an unhandled record.
 */
interface PartitionState {
  pending: Set<bigint>;
  newest: bigint;
  committed: bigint;
}

export class CommitTracker {
  private readonly partitions = new Map<number, PartitionState>();

  /** false for a record already read (re-delivered after a rebalance): it is pending or handled, and must be skipped. */
  isNew(partition: number, offset: string): boolean {
    return BigInt(offset) > this.state(partition).newest;
  }

  /** Marks a record read and pending until `finish`. */
  begin(partition: number, offset: string): void {
    const state = this.state(partition);
    const at = BigInt(offset);
    if (at > state.newest) state.newest = at;
    state.pending.add(at);
  }

  finish(partition: number, offset: string): void {
    this.partitions.get(partition)?.pending.delete(BigInt(offset));
  }

  /** Offsets (next record to read) that moved since the last `committed` call. */
  committable(): { partition: number; offset: string }[] {
    const ready: { partition: number; offset: string }[] = [];
    for (const [partition, state] of this.partitions) {
      const next = state.pending.size > 0 ? min(state.pending) : state.newest + 1n;
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
    for (const partition of [...this.partitions.keys()]) if (!partitions.includes(partition)) this.partitions.delete(partition);
  }

  private state(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, (state = { pending: new Set(), newest: -1n, committed: -1n }));
    return state;
  }
}

function min(values: Set<bigint>): bigint {
  let lowest: bigint | undefined;
  for (const v of values) if (lowest === undefined || v < lowest) lowest = v;
  return lowest!;
}
