/**
 * The chat client: one WebSocket per device, resumed by inbox cursor after any disconnect, with sends that
 * survive it (retried with the same clientMsgId, which the server turns into the same seq). The app sees
 * every inbox entry exactly once, in cursor order. Runs in browsers and in Node (pass `ws` as WebSocket).
 */
import type { AckFrame, ConversationFrame, ErrorFrame, MessageFrame, ReceiptFrame, ServerFrame, TypingFrame } from "../protocol/frames.js";
import { fitsBodyLimit, MAX_BODY_BYTES, SYNC_PAGE_MAX } from "../protocol/limits.js";
import { ChatApi } from "./api.js";
import { Emitter } from "./emitter.js";
import { InboxOrder } from "./inbox-order.js";

export type ConnectionState = "connecting" | "open" | "closed";

export interface ClientEvents extends Record<string, unknown> {
  message: MessageFrame;
  receipt: ReceiptFrame;
  typing: TypingFrame;
  conversation: ConversationFrame["conversation"];
  state: ConnectionState;
  /** A refused frame not tied to a send (a send's refusal rejects its promise instead). */
  error: ErrorFrame;
  /** The inbox cursor after the app has been handed everything up to it (persist it to resume later). */
  cursor: number;
  /** A send the server could not take yet (rate limited, unavailable); it is retried with the same clientMsgId. */
  retrying: { clientMsgId: string; code: string; retryAfterMs: number };
}

export interface ClientOptions {
  /** The edge's base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  token: string;
  deviceId?: string;
  /**
   * Resume point: the last cursor this device handled. `"latest"` starts a new device at the server's newest
   * cursor (from `hello`) instead of replaying the whole inbox; history comes from `ChatApi.history`.
   */
  cursor?: number | "latest";
  WebSocket?: typeof WebSocket;
  /** Send `received` receipts automatically after messages are handled (default true). */
  autoReceived?: boolean;
}

interface PendingSend {
  conversationId: string;
  body: string;
  resolve(ack: AckFrame): void;
  reject(error: ErrorFrame): void;
}

/** Errors worth retrying with the same clientMsgId: the server did not decide anything. */
const RETRYABLE = new Set(["unavailable", "internal", "rate_limited"]);
const KEEPALIVE_MS = 25_000;

export class ChatClient extends Emitter<ClientEvents> {
  private ws: WebSocket | null = null;
  private readonly order: InboxOrder;
  private readonly pending = new Map<string, PendingSend>();
  private state: ConnectionState = "closed";
  private stopped = false;
  private syncing = false;
  private attempts = 0;
  /** Counts connection attempts, so a ticket that arrives after a newer attempt began is dropped. */
  private opening = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private receivedTimer: ReturnType<typeof setTimeout> | null = null;
  private keepalive: ReturnType<typeof setInterval> | null = null;
  private fromLatest: boolean;
  /** Set after a retryable refusal: nothing is sent until every unacked send is retransmitted, in order. */
  private paused = false;

  constructor(private readonly options: ClientOptions) {
    super();
    this.fromLatest = options.cursor === "latest";
    this.order = new InboxOrder(typeof options.cursor === "number" ? options.cursor : 0);
  }

  get cursor(): number {
    return this.order.cursor;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Opens the socket; resolves on the server's hello. Reconnects by itself until `close()`. */
  connect(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve) => {
      const off = this.on("state", (s) => s === "open" && (off(), resolve()));
      this.open();
    });
  }

  /** Sends a message; resolves with its ack (seq) even across reconnects; rejects with the server's refusal. */
  send(conversationId: string, body: string, clientMsgId = newClientMsgId()): Promise<AckFrame> {
    if (!fitsBodyLimit(body)) {
      return Promise.reject({ type: "error", code: "too_large", message: `body exceeds ${MAX_BODY_BYTES} bytes`, clientMsgId } satisfies ErrorFrame);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(clientMsgId, { conversationId, body, resolve, reject });
      if (this.state === "open" && !this.paused) this.transmit(clientMsgId);
    });
  }

  read(conversationId: string, seq: number): void {
    this.frame({ type: "read", conversationId, seq });
  }

  typing(conversationId: string): void {
    this.frame({ type: "typing", conversationId });
  }

  /** Number of sends not yet acknowledged. */
  get unacked(): number {
    return this.pending.size;
  }

  close(): void {
    this.stopped = true;
    this.opening++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ws?.close(1000, "client closed");
    this.setState("closed");
  }

  /** Drops the socket as a network failure would (tests, chaos): the client reconnects and resumes. */
  drop(): void {
    this.ws?.close(4000, "dropped");
  }

  /**
   * Each connection attempt first fetches a one-time ticket (the token never goes into the URL), then opens the
   * socket with it. A failed ticket request is retried like a dropped socket.
   */
  private open(): void {
    this.setState("connecting");
    const attempt = ++this.opening;
    new ChatApi(this.options.url, this.options.token).connectTicket().then(
      ({ ticket }) => attempt === this.opening && !this.stopped && this.openSocket(ticket),
      () => attempt === this.opening && this.reconnectLater(),
    );
  }

  private openSocket(ticket: string): void {
    const Ctor = this.options.WebSocket ?? WebSocket;
    const params = new URLSearchParams({ ticket, device: this.options.deviceId ?? "default" });
    const ws = new Ctor(`${this.options.url.replace(/^http/, "ws")}/v1/connect?${params}`);
    this.ws = ws;
    ws.onmessage = (event) => this.onFrame(JSON.parse(String(event.data)) as ServerFrame);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => undefined;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        if (this.fromLatest) {
          this.fromLatest = false;
          this.order.cursor = Math.max(this.order.cursor, frame.cursor);
        }
        this.attempts = 0;
        this.paused = false;
        this.setState("open");
        this.startKeepalive();
        this.sync();
        this.retransmit();
        return;
      case "message":
        for (const ready of this.order.accept(frame)) this.emit("message", ready);
        this.afterMessages();
        return;
      case "synced":
        this.syncing = false;
        if (frame.more || this.order.hasGap) this.sync();
        return;
      case "ack":
        return this.settle(frame.clientMsgId, (p) => p.resolve(frame));
      case "error":
        return this.onError(frame);
      case "receipt":
        return this.emit("receipt", frame);
      case "typing":
        return this.emit("typing", frame);
      case "conversation":
        return this.emit("conversation", frame.conversation);
      case "pong":
        return;
    }
  }

  private onError(frame: ErrorFrame): void {
    const pending = frame.clientMsgId === undefined ? undefined : this.pending.get(frame.clientMsgId);
    if (!pending) return this.emit("error", frame);
    if (!RETRYABLE.has(frame.code)) return this.settle(frame.clientMsgId!, (p) => p.reject(frame));
    const retryAfterMs = frame.retryAfterMs ?? 500;
    this.emit("retrying", { clientMsgId: frame.clientMsgId!, code: frame.code, retryAfterMs });
    // The server holds back this device's later sends until the refused one comes again (per-device order),
    // so pause, then resend everything unacked in the order the app sent it.
    if (this.paused) return;
    this.paused = true;
    this.later(() => {
      this.paused = false;
      if (this.state === "open") this.retransmit();
    }, Math.max(retryAfterMs, 20));
  }

  private retransmit(): void {
    for (const clientMsgId of this.pending.keys()) this.transmit(clientMsgId);
  }

  private afterMessages(): void {
    if (this.order.hasGap && !this.syncing) this.sync();
    this.emit("cursor", this.order.cursor);
    if (this.options.autoReceived === false || this.receivedTimer) return;
    this.receivedTimer = setTimeout(() => {
      this.receivedTimer = null;
      this.frame({ type: "received", cursor: this.order.cursor });
    }, 100);
  }

  private sync(): void {
    this.syncing = true;
    this.frame({ type: "sync", after: this.order.cursor, limit: SYNC_PAGE_MAX });
  }

  private transmit(clientMsgId: string): void {
    const p = this.pending.get(clientMsgId)!;
    this.frame({ type: "send", clientMsgId, conversationId: p.conversationId, body: p.body });
  }

  private settle(clientMsgId: string, action: (p: PendingSend) => void): void {
    const pending = this.pending.get(clientMsgId);
    if (!pending) return;
    this.pending.delete(clientMsgId);
    action(pending);
  }

  private frame(frame: object): void {
    if (this.ws && this.state === "open") this.ws.send(JSON.stringify(frame));
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.syncing = false;
    if (this.keepalive) clearInterval(this.keepalive);
    if (this.stopped) return this.setState("closed");
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    this.setState("connecting");
    const delay = Math.min(30_000, 250 * 2 ** this.attempts++) * (0.5 + Math.random());
    this.later(() => !this.stopped && this.open(), delay);
  }

  private startKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = setInterval(() => this.frame({ type: "ping" }), KEEPALIVE_MS);
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }
}

export function newClientMsgId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 22);
}
