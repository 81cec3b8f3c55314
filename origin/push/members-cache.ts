/**
 * The members snapshots the push service knows, per conversation, with the partition they were read from. A
 * conversation's records all sit on one partition; once this consumer loses it, another reads on (and may see newer
 * snapshots), so `retain` drops the entries of lost partitions and a partition assigned again starts from the store.
 * `null` remembers that the store has none: the stream is read in order, so any later snapshot is seen here first.
 * Bounded by the member ids held: past `maxMembers`, the conversations used least recently are forgotten, which
 * costs a read of the store when they speak again.
 */
import type { MembersSnapshot } from "../members/members-store.js";

interface Entry {
  partition: number;
  snapshot: MembersSnapshot | null;
}

export class MembersCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly maxMembers: number) {}

  /** The known snapshot (null: none exists), or undefined when the store must be asked. */
  get(conversationId: string): MembersSnapshot | null | undefined {
    const entry = this.entries.get(conversationId);
    if (!entry) return undefined;
    // Map order is the recency order: move it to the back.
    this.entries.delete(conversationId);
    this.entries.set(conversationId, entry);
    return entry.snapshot;
  }

  set(partition: number, conversationId: string, snapshot: MembersSnapshot | null): void {
    this.forget(conversationId);
    this.entries.set(conversationId, { partition, snapshot });
    this.held += weightOf(snapshot);
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxMembers || this.entries.size === 1) break;
      this.forget(oldest);
    }
  }

  retain(partitions: readonly number[]): void {
    for (const [conversationId, entry] of this.entries)
      if (!partitions.includes(entry.partition)) this.forget(conversationId);
  }

  private forget(conversationId: string): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    this.entries.delete(conversationId);
    this.held -= weightOf(entry.snapshot);
  }
}

const weightOf = (snapshot: MembersSnapshot | null) => 1 + (snapshot?.members.length ?? 0);
