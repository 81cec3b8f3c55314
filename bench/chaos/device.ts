/**
 * One device of one user: a ChatClient (the project's client: resume by cursor, retried sends, ordered inbox)
 * plus a tap on its raw socket. The app-level record (`received`) is what the audit checks; the tap sees the
 * frames before the client dedupes them, so it can also catch the server giving one cursor to two messages,
 * and it holds the socket so a drop can be a real network loss (terminate), not only a polite close.
 */
import WebSocket from "ws";
import { ChatClient } from "../../client/index.js";

export interface Received {
  cursor: number;
  conversationId: string;
  seq: number;
  clientMsgId: string;
  body: string;
  at: number;
}

export class Device {
  readonly key: string;
  readonly received: Received[] = [];
  private readonly got = new Set<string>();
  /** cursor → "conversationId#seq", as first seen on the wire. */
  private readonly wire = new Map<number, string>();
  cursorConflicts = 0;
  /** The newest inbox cursor the server announced (hello, synced). */
  latest = 0;
  /** Errors not tied to a send (a send's refusal is recorded with the send). */
  readonly errors: string[] = [];
  private socket: WebSocket | null = null;
  private client: ChatClient;

  constructor(readonly userId: string, readonly deviceId: string, private readonly url: string, private readonly token: string, readonly offline = false) {
    this.key = `${userId}/${deviceId}`;
    this.client = this.newClient(0);
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

  /** A polite drop (close frame, code 4000): what `ChatClient.drop()` simulates. */
  softDrop(): void {
    this.client.drop();
  }

  /** A network loss: the TCP connection is destroyed; frames in flight either way are lost. */
  hardDrop(): void {
    this.socket?.terminate();
  }

  /**
   * Closes the client and opens a new one from the last cursor it handled, as an app restarting from its
   * persisted cursor would; resolves once the new one has caught up with the server's newest cursor.
   */
  async resume(timeoutMs: number): Promise<void> {
    const cursor = this.client.cursor;
    const unacked = this.client.unacked;
    if (unacked > 0) throw new Error(`${this.key}: ${unacked} sends still unacknowledged; resume would drop them`);
    this.client.close();
    this.client = this.newClient(cursor);
    this.latest = 0;
    // connect() resolves on the hello, which the tap (registered before the client's handler) has read.
    await this.client.connect();
    const deadline = Date.now() + timeoutMs;
    while (this.client.cursor < this.latest) {
      if (Date.now() > deadline) throw new Error(`${this.key}: resumed at ${cursor}, reached ${this.client.cursor} of ${this.latest}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.client.close();
  }

  private newClient(cursor: number): ChatClient {
    const client = new ChatClient({ url: this.url, token: this.token, deviceId: this.deviceId, cursor, WebSocket: this.tappedSocket() });
    client.on("message", (m) => {
      this.received.push({ cursor: m.cursor, conversationId: m.conversationId, seq: m.seq, clientMsgId: m.clientMsgId, body: m.body, at: Date.now() });
      this.got.add(`${m.conversationId}#${m.seq}`);
    });
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
    const frame = JSON.parse(text) as { type: string; cursor?: number; latest?: number; conversationId?: string; seq?: number };
    if (frame.type === "hello") this.latest = Math.max(this.latest, frame.cursor ?? 0);
    if (frame.type === "synced") this.latest = Math.max(this.latest, frame.latest ?? 0);
    if (frame.type !== "message") return;
    const what = `${frame.conversationId}#${frame.seq}`;
    const before = this.wire.get(frame.cursor!);
    if (before === undefined) this.wire.set(frame.cursor!, what);
    else if (before !== what) this.cursorConflicts++;
    this.latest = Math.max(this.latest, frame.cursor!);
  }
}
