/**
 * Turns the messages a device receives for one conversation (live pushes, fetched pages, its own sends'
 * acknowledgements, repeats after a reconnect, in any interleaving) into each message exactly once, in seq order.
 * Messages past a gap wait until it is filled (by a `fetch` the client asks for when the gap does not close).
 */
import type { Message } from "../protocol/message.js";

export class ConversationOrder {
  private readonly ahead = new Map<number, Message>();

  constructor(public position = 0) {}

  /** Returns the messages now deliverable, in order; an empty list for a repeat or a message past a gap. */
  accept(message: Message): Message[] {
    if (message.seq <= this.position) return [];
    this.ahead.set(message.seq, message);
    return this.drain();
  }

  /** True when messages are waiting behind a missing seq. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** Starts over at `seq` (the device skips what lies before: a resync, or too much to catch up on). */
  skipTo(seq: number): Message[] {
    this.position = Math.max(this.position, seq);
    for (const s of [...this.ahead.keys()]) if (s <= this.position) this.ahead.delete(s);
    return this.drain();
  }

  /**
   * Nothing missing up to `seq` is coming (the server sent all it has there; the rest is not this user's to see):
   * the messages held up to there are handed over, in order, and the holes between them passed over.
   */
  passTo(seq: number): Message[] {
    const ready = [...this.ahead.values()].filter((m) => m.seq <= seq).sort((a, b) => a.seq - b.seq);
    for (const m of ready) this.ahead.delete(m.seq);
    this.position = Math.max(this.position, seq);
    return [...ready, ...this.drain()];
  }

  private drain(): Message[] {
    const ready: Message[] = [];
    for (let next = this.ahead.get(this.position + 1); next; next = this.ahead.get(this.position + 1)) {
      this.ahead.delete(next.seq);
      this.position = next.seq;
      ready.push(next);
    }
    return ready;
  }
}
