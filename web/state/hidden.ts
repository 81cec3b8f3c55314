/**
 * Delete for me: messages this user hid, on this device or another (the edge tells every device of the user with
 * `hidden`, and a device that was away in its sync). They are saved with the positions: a sync only tells what was
 * hidden since its time. The client drops a `hide` while the socket is down, so a hide stays pending until the edge
 * confirms it and is sent again after each reconnect.
 */
import type { ChatClient } from "../../client/chat-client.js";
import { MAX_HIDDEN_PER_CONVERSATION, MAX_HIDE_SEQS } from "../../protocol/actions.js";
import type { HiddenFrame } from "../../protocol/frames.js";
import { SeqSets } from "./seq-sets.js";
import { loadUser, saveUser } from "./storage.js";

interface HiddenHost {
  readonly me: string;
  readonly client: ChatClient;
  changed(): void;
}

export class HiddenMessages {
  private readonly hidden: SeqSets;
  private readonly pending: SeqSets;

  constructor(private readonly host: HiddenHost) {
    const saved = loadUser(host.me);
    this.hidden = new SeqSets(saved?.hidden ?? {}, MAX_HIDDEN_PER_CONVERSATION);
    this.pending = new SeqSets(saved?.hiding ?? {}, MAX_HIDE_SEQS);
  }

  has(conversationId: string, seq: number): boolean {
    return this.hidden.has(conversationId, seq);
  }

  /** Hides at once on this page, and on the user's other devices once the edge has it. */
  hide(conversationId: string, seq: number): void {
    this.hidden.add(conversationId, [seq]);
    this.pending.add(conversationId, [seq]);
    this.save();
    this.host.client.hide(conversationId, [seq]);
  }

  /** The edge's word, for a hide of this device or another. */
  onHidden(frame: HiddenFrame): void {
    this.pending.remove(frame.conversationId, frame.seqs);
    this.hidden.add(frame.conversationId, frame.seqs);
    this.save();
  }

  /** After a reconnect: the hides the edge may not have had (it answers a repeat with nothing, and its sync tells). */
  resend(): void {
    for (const [conversationId, seqs] of Object.entries(this.pending.toJSON()))
      this.host.client.hide(conversationId, seqs);
  }

  private save(): void {
    saveUser(this.host.me, { hidden: this.hidden.toJSON(), hiding: this.pending.toJSON() });
    this.host.changed();
  }
}
