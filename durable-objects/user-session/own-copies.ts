/**
 * The sender's own copies of its messages, which come back with its send results. They go into the inbox with
 * the next write this object does anyway (in a busy chat, the next delivery from the other side) rather than
 * in a commit of their own: a commit costs about as much as the event around it. A timer on the next turn
 * keeps them if nothing else comes. Until then they are only in memory, which is safe: the Conversation
 * counts them as lent, not delivered, and sends them again if this session never confirms them.
 */
import type { Delivery } from "../shared/delivery.js";

export class OwnCopies {
  private readonly waiting: Delivery[] = [];

  constructor(private readonly keep: (delivery: Delivery) => void) {}

  add(delivery: Delivery): void {
    this.waiting.push(delivery);
    if (this.waiting.length === 1) setTimeout(() => this.flush(), 0);
  }

  /** Keeps every waiting copy, in the order they came; called before anything else touches the inbox. */
  flush(): void {
    for (const delivery of this.waiting.splice(0)) this.keep(delivery);
  }
}
