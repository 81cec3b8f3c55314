/**
 * What the person does to a message: reply to it or edit it (a draft the composer shows until it is sent or
 * cancelled), delete it for everyone, put or take back a reaction. Each action goes through the client like a send
 * (ordered with this device's sends, retried across drops); its effect shows when its entry comes back, on every
 * device alike. A refusal (not the sender, past the edit window, a deleted target, too many reactions) is shown as
 * the page shows every refusal.
 */
import type { ChatClient } from "../../client/chat-client.js";
import type { ActionRequest } from "../../protocol/actions.js";
import type { ErrorFrame } from "../../protocol/frames.js";
import type { Message } from "../../protocol/message.js";
import { describe } from "./errors.js";
import { bodyProblem, type Draft } from "./model.js";

interface ActionsHost {
  readonly client: ChatClient;
  notice(text: string): void;
  changed(): void;
}

export class MessageActions {
  draft: Draft | null = null;

  constructor(private readonly host: ActionsHost) {}

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

  private act(conversationId: string, action: ActionRequest): void {
    this.host.client.act(conversationId, action).then(
      () => undefined,
      (refusal: ErrorFrame) => this.host.notice(describe(refusal)),
    );
  }

  private setDraft(draft: Draft | null): void {
    this.draft = draft;
    this.host.changed();
  }
}
