/**
 * The chat client (protocol v2): one WebSocket per device, and per conversation a position (the newest seq the
 * app was handed). After any disconnect it asks what changed (`sync`) and fetches what it lacks, page by page;
 * sends and actions survive drops (retried with the same clientMsgId, which the server turns into the same seq). The
 * app sees every entry of a conversation's log exactly once, in seq order, its own included: messages, and actions
 * (edits, deletes, reactions) that it applies to the messages it holds (`applyEntry` of protocol/actions.ts). Runs in
 * browsers and in Node (pass `ws` as WebSocket).
 */
import { exponentialBackoff, spread } from "../protocol/backoff.js";
import { BODY_TOO_LARGE, RETRYABLE_CODES } from "../protocol/errors.js";
import { DEFAULT_EDIT_WINDOW_MS, type ActionRequest } from "../protocol/actions.js";
import type { Attachment } from "../protocol/attachments.js";
import type {
  AckFrame,
  ConversationFrame,
  ErrorFrame,
  FetchedFrame,
  HelloFrame,
  HiddenFrame,
  LogFrame,
  ReceiptFrame,
  ServerFrame,
  StateFrame,
  TypingFrame,
} from "../protocol/frames.js";
import { DEFAULT_DEVICE_ID, FETCH_PAGE_MAX, fitsBodyLimit } from "../protocol/limits.js";
import type { ConversationInfo, ConversationState, Message } from "../protocol/message.js";
import type { ReportReason, ReportReceipt } from "../protocol/reports.js";
import type { ChangeMembers, GroupSettings, UserSettings } from "../protocol/safety.js";
import { ChatApi } from "./api.js";
import { ConversationOrder } from "./conversation-order.js";
import { Emitter } from "./emitter.js";

export type ConnectionState = "connecting" | "open" | "closed";

export interface ClientEvents extends Record<string, unknown> {
  /**
   * Each entry of each conversation once, in seq order (own sends and actions too, once acknowledged): a message,
   * (with `action`) an edit, delete or reaction of an earlier one, or (with `system`) a change of the group.
   */
  message: Message;
  /** Messages the user deleted for itself, on this or another device: hide them. */
  hidden: HiddenFrame;
  receipt: ReceiptFrame;
  typing: TypingFrame;
  /**
   * A conversation the user was added to, whose members, roles, title or mute changed, or (`active: false`) left; with
   * `role: "invited"` (and `active: false`) an invite to answer, of which the user sees nothing else.
   */
  conversation: ConversationState;
  state: ConnectionState;
  /** A refused frame not tied to a send (a send's refusal rejects its promise instead). */
  error: ErrorFrame;
  /** A conversation's position moved (persist it, with `synced`, to resume later). */
  position: { conversationId: string; seq: number };
  /** The `since` of the next sync (persist it with the positions). */
  synced: number;
  /**
   * The device skips a conversation's messages up to `seq`: it did not know the conversation, had missed more than
   * `catchUpLimit`, or the edge no longer keeps them (`resync`). The app loads them from history if it wants them.
   */
  reset: { conversationId: string; seq: number; resync: boolean };
  /** A send the server could not take yet (rate limited, unavailable); it is retried with the same clientMsgId. */
  retrying: { clientMsgId: string; code: string; retryAfterMs: number };
}

export interface ClientOptions {
  /** The edge's base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  token: string;
  deviceId?: string;
  /** Resume points: each conversation's position, and the `synced` time they are from. */
  positions?: Record<string, number>;
  since?: number;
  /** A conversation this far behind (or more) is not fetched message by message but `reset` (default 1,000). */
  catchUpLimit?: number;
  /**
   * The WebSocket class to open sockets with (in Node: the `ws` package's). A subclass sees every socket the client
   * opens: a test or the chaos tool drops one by closing it, as a network failure would.
   */
  WebSocket?: typeof WebSocket;
}

interface PendingSend {
  /** The frame, sent again as it is after a drop or a retryable refusal. */
  frame: LogFrame;
  resolve(ack: AckFrame): void;
  reject(error: ErrorFrame): void;
}

const KEEPALIVE_MS = 25_000;
/** A gap that a message in flight does not close within this long is fetched. */
const GAP_WAIT_MS = 250;

export class ChatClient extends Emitter<ClientEvents> {
  private ws: WebSocket | null = null;
  private readonly orders = new Map<string, ConversationOrder>();
  private readonly pending = new Map<string, PendingSend>();
  private state: ConnectionState = "closed";
  private stopped = false;
  /** Delays between connection attempts, from a quarter second up to half a minute, reset by each hello. */
  private readonly reconnects = exponentialBackoff(250, 30_000, spread(0.5));
  /** Counts connection attempts, so a ticket that arrives after a newer attempt began is dropped. */
  private opening = 0;
  private since: number;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private intervals: ReturnType<typeof setInterval>[] = [];
  /** Conversations to fetch, one `fetch` in flight at a time (the server answers one per socket). */
  private readonly toFetch = new Set<string>();
  private fetching: string | null = null;
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Set after a retryable refusal: nothing is sent until every unacked send is retransmitted, in order. */
  private paused = false;
  private focused: string | null = null;
  /** Who this client is signed in as (from the server's hello): the sender of its own messages. */
  private userId = "";
  private editWindow = DEFAULT_EDIT_WINDOW_MS;
  private readonly api: ChatApi;

  constructor(private readonly options: ClientOptions) {
    super();
    this.api = new ChatApi(options.url, options.token);
    this.since = options.since ?? 0;
    for (const [id, seq] of Object.entries(options.positions ?? {})) this.orders.set(id, new ConversationOrder(seq));
  }

  /** Every conversation's position: what to persist to resume from (with the `synced` time). */
  positions(): Record<string, number> {
    return Object.fromEntries([...this.orders].map(([id, order]) => [id, order.position]));
  }

  /** The newest seq the app was handed in `conversationId` (undefined: a conversation this device does not know). */
  position(conversationId: string): number | undefined {
    return this.orders.get(conversationId)?.position;
  }

  /** How long after sending a message its sender may edit it, as the edge said in its hello. */
  get editWindowMs(): number {
    return this.editWindow;
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

  /**
   * Sends a message (`replyTo`: the seq it quotes; `attachments`: references of files uploaded with `ChatApi`, the
   * body may then be empty); resolves with its ack (seq) even across reconnects; rejects with the server's refusal.
   */
  send(
    conversationId: string,
    body: string,
    clientMsgId = newClientMsgId(),
    replyTo?: number,
    attachments?: Attachment[],
  ): Promise<AckFrame> {
    const frame: LogFrame = { type: "send", clientMsgId, conversationId, body };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (attachments?.length) frame.attachments = attachments;
    return this.submit(frame);
  }

  /**
   * An action on the message at `action.seq`: edit its body, delete it for everyone, or put or take back an emoji.
   * Ordered with this device's sends, retried like them; the ack says what it did (a reaction's count).
   */
  act(conversationId: string, action: ActionRequest, clientMsgId = newClientMsgId()): Promise<AckFrame> {
    switch (action.kind) {
      case "edit":
        return this.submit({ type: "edit", clientMsgId, conversationId, seq: action.seq, body: action.body });
      case "delete":
        return this.submit({ type: "delete", clientMsgId, conversationId, seq: action.seq });
      case "react":
        return this.submit({
          type: "react",
          clientMsgId,
          conversationId,
          seq: action.seq,
          emoji: action.emoji,
          on: action.on,
        });
    }
  }

  /** Deletes messages for this user only: every device of the user gets `hidden`. */
  hide(conversationId: string, seqs: number[]): void {
    this.frame({ type: "hide", conversationId, seqs });
  }

  private submit(frame: LogFrame): Promise<AckFrame> {
    const { clientMsgId } = frame;
    if ((frame.type === "send" || frame.type === "edit") && !fitsBodyLimit(frame.body)) {
      return Promise.reject({ type: "error", ...BODY_TOO_LARGE, clientMsgId } satisfies ErrorFrame);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(clientMsgId, { frame, resolve, reject });
      if (this.state === "open" && !this.paused) this.transmit(clientMsgId);
    });
  }

  // Changes of groups, mutes, blocks and settings go over HTTP (none is an entry this device sends in order); what
  // they change comes back as `conversation` and `message` events, on every device alike.

  /** Accepts an invite (the user joins: its `joined` entry and the conversation follow) or declines it. */
  answerInvite(conversationId: string, accept: boolean): Promise<ConversationInfo> {
    return this.api.answerInvite(conversationId, accept);
  }

  /** Admins invite, remove, promote and demote members (each change an entry of the log). */
  changeMembers(conversationId: string, change: ChangeMembers): Promise<ConversationInfo> {
    return this.api.changeMembers(conversationId, change);
  }

  /** Leaves a group: the conversation comes back inactive. Once connected (the hello says who the user is). */
  leave(conversationId: string): Promise<ConversationInfo> {
    if (!this.userId) return Promise.reject(new Error("leave: not connected yet"));
    return this.api.leave(conversationId, this.userId);
  }

  /** An admin renames a group or sets what new members see of its history. */
  changeGroup(conversationId: string, settings: GroupSettings): Promise<ConversationInfo> {
    return this.api.changeGroup(conversationId, settings);
  }

  /**
   * Mutes a conversation until `until` (ms), or until unmuted: no push, while messages still arrive. The answer is
   * emitted as a `conversation` at once (the edge tells this user's devices too).
   */
  async mute(conversationId: string, until?: number): Promise<ConversationState> {
    return this.changed(await this.api.mute(conversationId, until));
  }

  async unmute(conversationId: string): Promise<ConversationState> {
    return this.changed(await this.api.unmute(conversationId));
  }

  /** The users this user blocked. */
  blocks(): Promise<string[]> {
    return this.api.blocks();
  }

  block(userId: string): Promise<string[]> {
    return this.api.block(userId);
  }

  unblock(userId: string): Promise<string[]> {
    return this.api.unblock(userId);
  }

  /** The user's settings, or with a change, as changed. */
  settings(change?: UserSettings): Promise<UserSettings> {
    return this.api.settings(change);
  }

  private changed(conversation: ConversationState): ConversationState {
    this.onConversationState(conversation);
    return conversation;
  }

  /**
   * Reports a message to the moderators (over HTTP: a report is no entry of the log); rejects with an ApiError carrying
   * the refusal. See ChatApi.report.
   */
  report(
    conversationId: string,
    seq: number,
    reason: ReportReason,
    note?: string,
    block?: boolean,
  ): Promise<ReportReceipt> {
    return this.api.report(conversationId, seq, reason, note, block);
  }

  /** Marks `conversationId` read up to `seq` (opening it, scrolling to the end). */
  read(conversationId: string, seq: number): void {
    this.frame({ type: "read", conversationId, seq });
  }

  /** The conversation shown on a visible screen (null: none): what arrives there counts as read. */
  focus(conversationId: string | null): void {
    this.focused = conversationId;
    this.frame({ type: "focus", conversationId });
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
    this.stopIntervals();
    this.ws?.close(1000, "client closed");
    this.setState("closed");
  }

  /**
   * Each connection attempt first fetches a one-time ticket (the token never goes into the URL), then opens the
   * socket with it. A failed ticket request is retried like a dropped socket.
   */
  private open(): void {
    this.setState("connecting");
    const attempt = ++this.opening;
    this.api.connectTicket().then(
      ({ ticket }) => attempt === this.opening && !this.stopped && this.openSocket(ticket),
      () => attempt === this.opening && this.reconnectLater(),
    );
  }

  private openSocket(ticket: string): void {
    const Ctor = this.options.WebSocket ?? WebSocket;
    const params = new URLSearchParams({ ticket, device: this.options.deviceId ?? DEFAULT_DEVICE_ID });
    const ws = new Ctor(`${this.options.url.replace(/^http/, "ws")}/v1/connect?${params}`);
    this.ws = ws;
    ws.onmessage = (event) => this.onFrame(JSON.parse(String(event.data)) as ServerFrame);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => undefined;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        return this.onHello(frame);
      case "message": {
        const { type: _frame, ...message } = frame;
        return this.accept(message);
      }
      case "state":
        return this.onState(frame);
      case "synced":
        this.since = frame.at;
        return this.emit("synced", frame.at);
      case "fetched":
        return this.onFetched(frame);
      case "ack":
        return this.onAck(frame);
      case "error":
        return this.onError(frame);
      case "receipt":
        return this.emit("receipt", frame);
      case "typing":
        return this.emit("typing", frame);
      case "hidden":
        return this.emit("hidden", frame);
      case "conversation":
        return this.onConversation(frame);
      case "pong":
        return;
    }
  }

  private onHello(hello: HelloFrame): void {
    this.userId = hello.userId;
    this.editWindow = hello.editWindowMs;
    this.reconnects.reset();
    this.paused = false;
    this.fetching = null;
    this.setState("open");
    this.stopIntervals();
    this.intervals.push(setInterval(() => this.frame({ type: "ping" }), KEEPALIVE_MS));
    if (hello.heartbeatMs > 0) this.intervals.push(setInterval(() => this.frame({ type: "alive" }), hello.heartbeatMs));
    if (this.focused !== null) this.frame({ type: "focus", conversationId: this.focused });
    this.frame({ type: "sync", since: this.since });
    this.retransmit();
  }

  /** What changed while this device was away: conversations it lacks messages of are fetched. */
  private onState(frame: StateFrame): void {
    for (const conversation of frame.conversations) this.onConversationState(conversation);
  }

  private onConversation(frame: ConversationFrame): void {
    this.onConversationState(frame.conversation);
  }

  private onConversationState(conversation: ConversationState): void {
    this.emit("conversation", conversation);
    this.caughtUpTo(conversation);
  }

  /**
   * The conversation has messages up to `lastSeq`. One this device does not know starts there (its history is the
   * app's to load); one it knows is fetched, unless it is too far behind. A member who joined a group that shows new
   * members no earlier history waits for nothing before its joining.
   */
  private caughtUpTo({ id: conversationId, lastSeq, visibleFrom }: ConversationState): void {
    const order = this.orders.get(conversationId);
    if (!order) return this.skip(conversationId, lastSeq, false);
    if (visibleFrom !== undefined && order.position < visibleFrom - 1)
      this.skip(conversationId, visibleFrom - 1, false);
    if (lastSeq <= order.position) return;
    if (lastSeq - order.position >= (this.options.catchUpLimit ?? 1_000))
      return this.skip(conversationId, lastSeq, false);
    this.needFetch(conversationId);
  }

  private skip(conversationId: string, seq: number, resync: boolean): void {
    let order = this.orders.get(conversationId);
    if (!order) this.orders.set(conversationId, (order = new ConversationOrder(seq)));
    const ready = order.skipTo(seq);
    this.emit("reset", { conversationId, seq: order.position, resync });
    this.handOver(conversationId, ready);
  }

  private accept(message: Message): void {
    let order = this.orders.get(message.conversationId);
    // A message of a conversation this device has not heard of yet: it starts right before it.
    if (!order) this.orders.set(message.conversationId, (order = new ConversationOrder(message.seq - 1)));
    this.handOver(message.conversationId, order.accept(message));
    if (order.hasGap) this.waitForGap(message.conversationId);
  }

  private handOver(conversationId: string, ready: Message[]): void {
    for (const m of ready) this.emit("message", m);
    if (ready.length > 0) this.emit("position", { conversationId, seq: ready.at(-1)!.seq });
  }

  /** Messages in flight close most gaps (pushes and acks travel separately); what stays open is fetched. */
  private waitForGap(conversationId: string): void {
    if (this.gapTimers.has(conversationId)) return;
    const timer = setTimeout(() => {
      this.gapTimers.delete(conversationId);
      if (this.orders.get(conversationId)?.hasGap) this.needFetch(conversationId);
    }, GAP_WAIT_MS);
    this.gapTimers.set(conversationId, timer);
  }

  private needFetch(conversationId: string): void {
    this.toFetch.add(conversationId);
    this.fetchNext();
  }

  private fetchNext(): void {
    if (this.fetching !== null || this.state !== "open") return;
    const next = this.toFetch.values().next();
    if (next.done) return;
    this.toFetch.delete(next.value);
    this.fetching = next.value;
    this.frame({
      type: "fetch",
      conversationId: next.value,
      after: this.orders.get(next.value)?.position ?? 0,
      limit: FETCH_PAGE_MAX,
    });
  }

  /**
   * A page's messages came before its end on the same socket, so whatever is still missing up to `through` is not
   * this user's to see (from before its joining a group): waiting for it would fetch the same page forever.
   */
  private onFetched(frame: FetchedFrame): void {
    this.fetching = null;
    const order = this.orders.get(frame.conversationId);
    if (!frame.resync && order && order.position < frame.through)
      this.handOver(frame.conversationId, order.passTo(frame.through));
    if (frame.resync) this.skip(frame.conversationId, frame.lastSeq, true);
    else if (frame.more || this.orders.get(frame.conversationId)?.hasGap) this.toFetch.add(frame.conversationId);
    this.fetchNext();
  }

  /** The ack of an own send: the send resolves, and the message takes its place in the conversation's order. */
  private onAck(ack: AckFrame): void {
    const pending = this.pending.get(ack.clientMsgId);
    if (!pending) return;
    this.pending.delete(ack.clientMsgId);
    pending.resolve(ack);
    // A direct conversation's ack says how far the other member has it: every other member, for the app.
    if (ack.deliveredSeq !== undefined || ack.readSeq !== undefined) {
      this.emit("receipt", {
        type: "receipt",
        conversationId: ack.conversationId,
        deliveredSeq: ack.deliveredSeq,
        readSeq: ack.readSeq,
      });
    }
    const { frame } = pending;
    const entry: Message = {
      conversationId: ack.conversationId,
      seq: ack.seq,
      senderId: this.userId,
      clientMsgId: ack.clientMsgId,
      body: frame.type === "send" ? frame.body : "",
      sentAt: ack.sentAt,
    };
    if (ack.replyTo) entry.replyTo = ack.replyTo;
    if (ack.attachments) entry.attachments = ack.attachments;
    if (ack.action) entry.action = ack.action;
    this.accept(entry);
  }

  private onError(frame: ErrorFrame): void {
    if (frame.conversationId !== undefined && frame.conversationId === this.fetching) {
      this.fetching = null;
      this.fetchNext();
    }
    const pending = frame.clientMsgId === undefined ? undefined : this.pending.get(frame.clientMsgId);
    if (!pending) return this.emit("error", frame);
    if (!RETRYABLE_CODES.has(frame.code)) {
      this.pending.delete(frame.clientMsgId!);
      return pending.reject(frame);
    }
    const retryAfterMs = frame.retryAfterMs ?? 500;
    this.emit("retrying", { clientMsgId: frame.clientMsgId!, code: frame.code, retryAfterMs });
    // The server holds back this device's later sends until the refused one comes again (per-device order),
    // so pause, then resend everything unacked in the order the app sent it.
    if (this.paused) return;
    this.paused = true;
    this.later(
      () => {
        this.paused = false;
        if (this.state === "open") this.retransmit();
      },
      Math.max(retryAfterMs, 20),
    );
  }

  private retransmit(): void {
    for (const clientMsgId of this.pending.keys()) this.transmit(clientMsgId);
  }

  private transmit(clientMsgId: string): void {
    this.frame(this.pending.get(clientMsgId)!.frame);
  }

  private frame(frame: object): void {
    if (this.ws && this.state === "open") this.ws.send(JSON.stringify(frame));
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.fetching = null;
    this.stopIntervals();
    if (this.stopped) return this.setState("closed");
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    this.setState("connecting");
    this.later(() => !this.stopped && this.open(), this.reconnects.next());
  }

  private stopIntervals(): void {
    for (const interval of this.intervals) clearInterval(interval);
    this.intervals = [];
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
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0"))
    .join("")
    .slice(0, 22);
}
