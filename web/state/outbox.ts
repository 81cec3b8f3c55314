/**
 * This user's sends until their message comes back sequenced. They live in localStorage, so neither a dropped
 * socket nor a reload loses one: the ChatClient retries each with the same clientMsgId, and the server answers
 * a repeat with the original seq (protocol guarantee 4), so each is sent exactly once.
 */
import type { ChatClient } from "../../client/chat-client.js";
import { newClientMsgId } from "../../client/chat-client.js";
import type { Quote } from "../../protocol/actions.js";
import type { Attachment } from "../../protocol/attachments.js";
import type { ErrorFrame } from "../../protocol/frames.js";
import type { Message } from "../../protocol/message.js";
import { describe } from "./errors.js";
import type { Conv } from "./model.js";
import { loadUser, saveUser, type Outgoing } from "./storage.js";

interface OutboxHost {
  readonly conversations: Record<string, Conv>;
  notice(text: string): void;
  changed(): void;
  /** A send refused for good (a block, for one). */
  refused(conversationId: string, refusal: ErrorFrame): void;
}

export class Outbox {
  entries: Outgoing[];

  constructor(
    private readonly me: string,
    private readonly client: ChatClient,
    private readonly host: OutboxHost,
  ) {
    this.entries = loadUser(me)?.outbox ?? [];
  }

  /** Hands every entry left over from before a reload to the client (refused ones stay shown, unsent). */
  resend(): void {
    for (const o of this.entries) if (!o.error) this.transmit(o);
  }

  /** A new message; `replyTo` is what it quotes; `attachments` the files uploaded for it. */
  add(conversationId: string, body: string, replyTo?: Quote, attachments: Attachment[] = []): void {
    const o: Outgoing = { clientMsgId: newClientMsgId(), conversationId, body, createdAt: Date.now() };
    if (replyTo) o.replyTo = replyTo;
    if (attachments.length > 0) o.attachments = attachments;
    this.entries = [...this.entries, o];
    this.save();
    this.transmit(o);
  }

  discard(clientMsgId: string): void {
    this.entries = this.entries.filter((o) => o.clientMsgId !== clientMsgId);
    this.save();
  }

  /** The user's own messages came back sequenced (live or in a history page): their entries are done. */
  settled(messages: Message[]): void {
    const done = new Set(messages.filter((m) => m.senderId === this.me).map((m) => m.clientMsgId));
    if (done.size === 0 || !this.entries.some((o) => done.has(o.clientMsgId))) return;
    this.entries = this.entries.filter((o) => !done.has(o.clientMsgId));
    this.save();
  }

  private transmit(o: Outgoing): void {
    this.client.send(o.conversationId, o.body, o.clientMsgId, o.replyTo?.seq, o.attachments).then(
      (ack) => {
        o.seq = ack.seq;
        const conv = this.host.conversations[o.conversationId];
        if (conv) conv.lastSeq = Math.max(conv.lastSeq, ack.seq);
        this.save();
      },
      (refusal: ErrorFrame) => {
        o.error = describe(refusal);
        this.host.notice(o.error);
        this.host.refused(o.conversationId, refusal);
        this.save();
      },
    );
  }

  private save(): void {
    saveUser(this.me, { outbox: this.entries });
    this.host.changed();
  }
}
