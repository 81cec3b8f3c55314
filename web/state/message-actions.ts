/**
 * What the person does to a message: reply to it or edit it (a draft the composer shows until it is sent or
 * cancelled), delete it for everyone, put or take back a reaction. Each action goes through the client like a send
 * (ordered with this device's sends, retried across drops) and is kept until acknowledged, so a reload sends it again
 * with its clientMsgId (the edge takes it once); its effect shows when its entry comes back, on every device alike. A refusal (not the sender, past the edit window, a deleted target, too many reactions) is shown as
 * the page shows every refusal.
 */
import { newClientMsgId, type ChatClient } from "../../client/chat-client.js";
import type { ActionRequest } from "../../protocol/actions.js";
import type { ErrorFrame } from "../../protocol/frames.js";
import type { Message } from "../../protocol/message.js";
import { describe } from "./errors.js";
import { bodyProblem, type Draft } from "./model.js";
import { loadUser, saveUser, type PendingAction } from "./storage.js";

interface ActionsHost {
  readonly me: string;
  readonly client: ChatClient;
  notice(text: string): void;
  changed(): void;
}

export class MessageActions {
  draft: Draft | null = null;
  private pending: PendingAction[];

  constructor(private readonly host: ActionsHost) {
    this.pending = loadUser(host.me)?.acting ?? [];
  }

  /** Hands every action left over from before a reload to the client. */
  resend(): void {
    for (const action of this.pending) this.transmit(action);
  }

  reply(message: Message): void {
    this.setDraft({ kind: "reply", message });
  }

  edit(message: Message): void {
    this.setDraft({ kind: "edit", message });
  }

  cancel(): void {
    this.setDraft(null);
  }

  /** Saves the edit being drafted; false when the text cannot be saved (empty or too large) and editing goes on. */
  saveEdit(text: string): boolean {
    const body = text.trim();
    const message = this.draft?.kind === "edit" ? this.draft.message : null;
    if (!message || !body) return false;
    const problem = bodyProblem(body);
    if (problem) {
      this.host.notice(problem);
      return false;
    }
    this.cancel();
    if (body !== message.body) this.act(message.conversationId, { kind: "edit", seq: message.seq, body });
    return true;
  }

  deleteForEveryone(message: Message): void {
    this.act(message.conversationId, { kind: "delete", seq: message.seq });
  }

  react(message: Message, emoji: string, on: boolean): void {
    this.act(message.conversationId, { kind: "react", seq: message.seq, emoji, on });
  }

  private act(conversationId: string, request: ActionRequest): void {
    const action: PendingAction = { clientMsgId: newClientMsgId(), conversationId, request };
    this.pending = [...this.pending, action];
    this.save();
    this.transmit(action);
  }

  private transmit(action: PendingAction): void {
    this.host.client.act(action.conversationId, action.request, action.clientMsgId).then(
      () => this.done(action),
      (refusal: ErrorFrame) => {
        this.done(action);
        this.host.notice(describe(refusal));
      },
    );
  }

  private done(action: PendingAction): void {
    this.pending = this.pending.filter((a) => a.clientMsgId !== action.clientMsgId);
    this.save();
  }

  private save(): void {
    saveUser(this.host.me, { acting: this.pending });
  }

  private setDraft(draft: Draft | null): void {
    this.draft = draft;
    this.host.changed();
  }
}
