/**
 * One device as the web app drives it, on the project's `ChatClient`: it keeps every message it is handed (to
 * check each arrives exactly once), and tells the edge which conversation it shows (the page does, for the open
 * conversation while it is visible): what arrives there is read.
 */
import WebSocket from "ws";
import { ChatClient } from "../../client/chat-client.js";
import type { Message } from "../../protocol/message.js";

export class Device {
  readonly client: ChatClient;
  /** conversationId → seqs in the order they were handed to the app. */
  readonly seen = new Map<string, number[]>();

  constructor(url: string, token: string, deviceId: string) {
    this.client = new ChatClient({
      url,
      token,
      deviceId,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    this.client.on("message", (m) => this.onMessage(m));
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  close(): void {
    this.client.close();
  }

  /** The conversation on screen (null: the list, or the page hidden). */
  open(conversationId: string | null): void {
    this.client.focus(conversationId);
  }

  has(conversationId: string, seq: number): boolean {
    return this.seen.get(conversationId)?.includes(seq) ?? false;
  }

  private onMessage(m: Message): void {
    const list = this.seen.get(m.conversationId) ?? [];
    list.push(m.seq);
    this.seen.set(m.conversationId, list);
  }
}
