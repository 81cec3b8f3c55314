/**
 * Turns the frames a device receives (live deliveries, sync replays, repeats after a reconnect, in any
 * interleaving) into each inbox entry exactly once, in cursor order. Frames ahead of a gap wait in a buffer
 * until the gap is filled (by a sync the client asks for when it sees one).
 */
import type { MessageFrame } from "../protocol/frames.js";

export class InboxOrder {
  private readonly ahead = new Map<number, MessageFrame>();

  constructor(public cursor = 0) {}

  /** Returns the frames now deliverable, in order; an empty list for a duplicate or a frame past a gap. */
  accept(frame: MessageFrame): MessageFrame[] {
    if (frame.cursor <= this.cursor) return [];
    this.ahead.set(frame.cursor, frame);
    const ready: MessageFrame[] = [];
    for (let next = this.ahead.get(this.cursor + 1); next; next = this.ahead.get(this.cursor + 1)) {
      this.ahead.delete(next.cursor);
      this.cursor = next.cursor;
      ready.push(next);
    }
    return ready;
  }

  /** True when frames are waiting behind a missing cursor. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }
}
