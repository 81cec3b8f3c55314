/**
 * One device of one user: a ChatClient (the project's client: resume by positions, retried sends, each
 * conversation in seq order) plus a tap on its raw socket. The app-level record (`received`) is what the audit
 * checks; the tap sees the frames before the client dedupes them, so it can also catch the server giving one seq
 * to two messages, and it holds the socket so a drop can be a polite close or a real network loss (terminate).
 */
import WebSocket from "ws";
import { ChatClient } from "../../client/index.js";
import type { Message } from "../../protocol/message.js";

export interface Received {
  conversationId: string;
  seq: number;
  clientMsgId: string;
  body: string;
  at: number;
  /** The entry as the app was handed it (its state, or its action). */
  message: Message;
}

export class Device {
  readonly key: string;
  readonly received: Received[] = [];
  private readonly got = new Set<string>();
  /** "conversationId#seq" → clientMsgId, as first seen on the wire. */
  private readonly wire = new Map<string, string>();
  /** Two different messages seen on the wire with one (conversation, seq). */
  seqConflicts = 0;
  private since = 0;
  /** Errors not tied to a send (a send's refusal is recorded with the send). */
  readonly errors: string[] = [];
  private socket: WebSocket | null = null;
  private client: ChatClient;

  /**
   * `conversations`: the user's conversations, which the device knows from the start (an offline one too: a phone
   * that was off all along still has them, at position 0, so it fetches all of each when it comes).
   */
  constructor(
    readonly userId: string,
    readonly deviceId: string,
    private readonly url: string,
    private readonly token: string,
    conversations: string[],
    readonly offline = false,
  ) {
    this.key = `${userId}/${deviceId}`;
    this.client = this.newClient(Object.fromEntries(conversations.map((id) => [id, 0])));
  }

  /** True once the app was handed that message. */
  has(conversationId: string, seq: number): boolean {
    return this.got.has(`${conversationId}#${seq}`);
  }

  get chat(): ChatClient {
    return this.client;
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  /** A polite drop: the socket is closed from this side (close frame, code 4000), and the client reconnects. */
  softDrop(): void {
    this.socket?.close(4000, "dropped");
  }

  /** A network loss: the TCP connection is destroyed; frames in flight either way are lost. */
  hardDrop(): void {
    this.socket?.terminate();
  }

  /**
   * Closes the client and opens a new one from the positions it handled, as an app restarting from what it
   * persisted would; resolves once the new one has every conversation up to `expected` (conversation → seq).
   */
  async resume(expected: Map<string, number>, timeoutMs: number): Promise<void> {
    const unacked = this.client.unacked;
    if (unacked > 0) throw new Error(`${this.key}: ${unacked} sends still unacknowledged; resume would drop them`);
    const positions = this.client.positions();
    this.client.close();
    this.client = this.newClient(positions);
    await this.client.connect();
    const deadline = Date.now() + timeoutMs;
    const behind = () => [...expected].filter(([id, seq]) => (this.client.position(id) ?? 0) < seq);
    while (behind().length > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.key}: resumed, still behind in ${behind()
            .map(([id, seq]) => `${id} (${this.client.position(id)} of ${seq})`)
            .join(", ")}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.client.close();
  }

  private newClient(positions: Record<string, number>): ChatClient {
    // Every message counts for the audit, however far behind: no catch-up limit.
    const client = new ChatClient({
      url: this.url,
      token: this.token,
      deviceId: this.deviceId,
      positions,
      since: this.since,
      catchUpLimit: Infinity,
      WebSocket: this.tappedSocket(),
    });
    client.on("message", (m) => {
      this.received.push({
        conversationId: m.conversationId,
        seq: m.seq,
        clientMsgId: m.clientMsgId,
        body: m.body,
        at: Date.now(),
        message: m,
      });
      this.got.add(`${m.conversationId}#${m.seq}`);
    });
    client.on("synced", (at) => (this.since = at));
    client.on("error", (e) => this.errors.push(e.code));
    return client;
  }

  private tappedSocket(): typeof globalThis.WebSocket {
    const device = this;
    class Tapped extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { perMessageDeflate: false });
        device.socket = this;
        this.on("message", (data) => device.onWire(String(data)));
      }
    }
    return Tapped as unknown as typeof globalThis.WebSocket;
  }

  private onWire(text: string): void {
    const frame = JSON.parse(text) as { type: string; conversationId?: string; seq?: number; clientMsgId?: string };
    if (frame.type !== "message" && frame.type !== "ack") return;
    const where = `${frame.conversationId}#${frame.seq}`;
    const before = this.wire.get(where);
    if (before === undefined) this.wire.set(where, frame.clientMsgId!);
    else if (before !== frame.clientMsgId) this.seqConflicts++;
  }
}
