/**
 * Seqs per conversation, ascending and bounded: what the page must remember about entries it no longer holds (the
 * messages this user hid, the action entries past its read watermark). Past `max` in a conversation the oldest go,
 * as the edge forgets the oldest hidden seqs past MAX_HIDDEN_PER_CONVERSATION.
 */
export class SeqSets {
  private readonly sets: Map<string, number[]>;

  constructor(
    saved: Record<string, number[]>,
    private readonly max: number,
  ) {
    this.sets = new Map(Object.entries(saved));
  }

  has(conversationId: string, seq: number): boolean {
    return this.sets.get(conversationId)?.includes(seq) ?? false;
  }

  of(conversationId: string): readonly number[] {
    return this.sets.get(conversationId) ?? [];
  }

  /** Adds seqs; false when all of them were there already. */
  add(conversationId: string, seqs: number[]): boolean {
    const current = this.of(conversationId);
    const fresh = seqs.filter((s) => !current.includes(s));
    if (fresh.length === 0) return false;
    const next = [...new Set([...current, ...fresh])].sort((a, b) => a - b);
    this.sets.set(conversationId, next.slice(-this.max));
    return true;
  }

  remove(conversationId: string, seqs: number[]): void {
    this.keep(conversationId, (s) => !seqs.includes(s));
  }

  /** Forgets the seqs at or below `seq`. */
  dropThrough(conversationId: string, seq: number): void {
    this.keep(conversationId, (s) => s > seq);
  }

  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.sets);
  }

  private keep(conversationId: string, wanted: (seq: number) => boolean): void {
    const next = this.of(conversationId).filter(wanted);
    if (next.length > 0) this.sets.set(conversationId, next);
    else this.sets.delete(conversationId);
  }
}
