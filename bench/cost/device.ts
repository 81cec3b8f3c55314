/**
 * One device as the web app drives it, on the project's `ChatClient`: it keeps every message it is handed (to
 * check each arrives exactly once), and reads what arrives in the conversation it has open, as the page does for
 * the open conversation while it is visible.
 */
import WebSocket from "ws";
import { ChatClient } from "../../client/chat-client.js";
import type { MessageFrame } from "../../protocol/frames.js";

export class Device {
  readonly client: ChatClient;
  /** conversationId → seqs in the order they were handed to the app. */
  readonly seen = new Map<string, number[]>();
  private openConversation: string | null = null;
  private readonly lastSeq = new Map<string, number>();
  private readonly readSeq = new Map<string, number>();

  constructor(url: string, token: string, deviceId: string) {
    this.client = new ChatClient({ url, token, deviceId, cursor: "latest", WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    this.client.on("message", (m) => this.onMessage(m));
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  close(): void {
    this.client.close();
  }

  /** The conversation on screen (null: the list, or the page hidden); opening one reads what it shows. */
  open(conversationId: string | null): void {
    this.openConversation = conversationId;
    this.markRead();
  }

  send(conversationId: string, body: string): Promise<unknown> {
    return this.client.send(conversationId, body);
  }

  has(conversationId: string, seq: number): boolean {
    return this.seen.get(conversationId)?.includes(seq) ?? false;
  }

  private onMessage(m: MessageFrame): void {
    const list = this.seen.get(m.conversationId) ?? [];
    list.push(m.seq);
    this.seen.set(m.conversationId, list);
    this.lastSeq.set(m.conversationId, Math.max(this.lastSeq.get(m.conversationId) ?? 0, m.seq));
    this.markRead();
  }

  /** The page's markRead: the open conversation's newest message, once. */
  private markRead(): void {
    const id = this.openConversation;
    if (!id) return;
    const last = this.lastSeq.get(id) ?? 0;
    if (last <= (this.readSeq.get(id) ?? 0)) return;
    this.readSeq.set(id, last);
    this.client.read(id, last);
  }
}
