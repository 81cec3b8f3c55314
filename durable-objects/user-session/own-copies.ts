/**
 * The sender's own copies of its messages, which come back with its send results. They wait here until the
 * call's acks went out (SendQueue's `answered`), then go into the inbox: written before the acks, their
 * commit would hold the acks back (output gate); kept on a timer, they would make an idle runtime sleep and
 * wake once more per send (~0.4 ms per message in the open-loop bench). Anything else that touches the inbox
 * keeps them first. While they wait they are only in memory, which is safe: the Conversation counts them as
 * lent, not delivered, and sends them again if this session never confirms them.
 */
import type { Delivery } from "../shared/delivery.js";

export class OwnCopies {
  private readonly waiting: Delivery[] = [];

  constructor(private readonly keep: (delivery: Delivery) => void) {}

  add(delivery: Delivery): void {
    this.waiting.push(delivery);
  }

  /** Keeps every waiting copy, in the order they came; called before anything else touches the inbox. */
  flush(): void {
    for (const delivery of this.waiting.splice(0)) this.keep(delivery);
  }
}
