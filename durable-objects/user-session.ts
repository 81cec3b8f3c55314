/**
 * UserSession: one Durable Object per user. It holds the user's device sockets (hibernatable: an idle socket
 * costs nothing, and `ping` is answered by the runtime without waking the object), owns the user's inbox (the
 * gap-free cursor a reconnecting device resumes from), relays sends to Conversations, and reports presence.
 * Nothing it needs after hibernation or eviction lives only in memory: identity is in socket attachments,
 * the inbox and conversation list in SQLite; what is in memory (rate limit, send queue) is safe to lose.
 */
import { DurableObject } from "cloudflare:workers";
import {
  fail, NOT_A_MEMBER, ok, parseClientFrame, PING_FRAME, PONG_FRAME, previewOf, SYNC_PAGE_DEFAULT,
  type AckFrame, type ChatError, type ClientFrame, type ConversationKind, type ConversationSummary, type HelloFrame,
  type Message, type Presence, type PushSubscription, type Result, type SendResult, type SyncedFrame,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig, type Env } from "../workers/config.js";
import { AlarmClock } from "./shared/alarm.js";
import type { Delivery, DeliveryReceipt } from "./shared/delivery.js";
import { Forwarder } from "./shared/forwarder.js";
import { log } from "./shared/log.js";
import { Meter, meterEntryPoints } from "./shared/meter.js";
import { StubCache } from "./shared/stubs.js";
import type { Conversation } from "./conversation.js";
import { errorFrame, messageFrame } from "./user-session/frames.js";
import { Inbox, type InboxEntry } from "./user-session/inbox.js";
import { EventOutbox } from "./user-session/outbox.js";
import { PushSubscriptions } from "./user-session/push-subscriptions.js";
import { DailyQuota } from "./user-session/quota.js";
import { UserLimits } from "./user-session/rate-limit.js";
import { USER_SESSION_SCHEMA } from "./user-session/schema.js";
import { heldBack, holdBack } from "./user-session/send-order.js";
import { SendQueue, type BatchOutcome, type Outgoing } from "./user-session/send-queue.js";
import { admitFrame } from "./user-session/socket-limits.js";
import { broadcast, closeQuietly, identityOf, saveIdentity, sendTo } from "./user-session/sockets.js";
import { Tickets } from "./user-session/tickets.js";

/** A user's devices: more connections than this are refused (a device reconnecting replaces its old socket). */
const MAX_SOCKETS = 32;
const TYPING_THROTTLE_MS = 1_000;

export class UserSession extends DurableObject<Env> {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  /** `ctx.storage`, metered when the meter is on: every module reads and writes through it. */
  private readonly storage: DurableObjectStorage;
  private readonly config: EdgeConfig;
  private readonly inbox: Inbox;
  private readonly outbox: EventOutbox;
  private readonly clock: AlarmClock;
  private readonly forwarder: Forwarder;
  private readonly limits: UserLimits;
  private readonly quota: DailyQuota;
  private readonly subscriptions: PushSubscriptions;
  private readonly tickets = new Tickets();
  private readonly queue: SendQueue;
  private readonly typingSentAt = new Map<string, number>();
  /** Sockets with a `sync` being answered: one at a time per socket. */
  private readonly syncing = new WeakSet<WebSocket>();
  private userId: string | null;
  private readonly conversationStubs: StubCache<Conversation>;
  private readonly sessionStubs: StubCache<UserSession>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.meter = Meter.of(env, "UserSession", ctx.id.toString());
    this.storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.config = loadConfig(env);
    this.conversationStubs = new StubCache(env.CONVERSATION);
    this.sessionStubs = new StubCache(env.USER_SESSION);
    this.storage.sql.exec(USER_SESSION_SCHEMA);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.inbox = new Inbox(this.storage);
    this.outbox = new EventOutbox(this.storage.sql);
    this.clock = new AlarmClock(this.storage);
    this.forwarder = new Forwarder(this.config, this.clock, (limit) => this.outbox.next(limit));
    this.limits = new UserLimits(this.config);
    this.quota = new DailyQuota(this.storage.sql);
    this.subscriptions = new PushSubscriptions(this.storage.sql);
    this.queue = new SendQueue((conversationId, items) => this.sendBatch(conversationId, items));
    this.userId = (this.storage.sql.exec("SELECT value FROM meta WHERE key = 'user_id'").toArray()[0]?.value as string | undefined) ?? null;
  }

  /** The WebSocket upgrade, forwarded by the Worker after it authenticated the user and validated the device. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("X-User-Id");
    const deviceId = request.headers.get("X-Device-Id");
    if (!userId || !deviceId || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("bad upgrade", { status: 400 });
    const ticket = request.headers.get("X-Ticket-Id");
    if (ticket !== null && !this.tickets.consume(ticket)) {
      return Response.json({ error: { code: "unauthorized", message: "unknown, used or expired ticket" } }, { status: 401 });
    }
    this.identify(userId);
    for (const old of this.ctx.getWebSockets(deviceId)) closeQuietly(old, 4001, "replaced by a newer connection of this device");
    const live = this.ctx.getWebSockets().filter((ws) => identityOf(ws)?.deviceId !== deviceId);
    if (live.length >= MAX_SOCKETS) return Response.json({ error: { code: "rate_limited", message: `at most ${MAX_SOCKETS} devices connected at once` } }, { status: 429 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [deviceId]);
    saveIdentity(server, { userId, deviceId, connectedAt: Date.now() });
    const hello: HelloFrame = { type: "hello", userId, deviceId, cursor: this.inbox.latest, serverTime: Date.now() };
    server.send(JSON.stringify(hello));
    if (live.length === 0) await this.presenceChanged(true);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseClientFrame(message);
    // Refused frames cost tokens too: garbage is no cheaper to answer than a ping.
    const limited = admitFrame(ws, parsed.ok ? parsed.frame.type : null, this.config);
    if (!parsed.ok) return sendTo(ws, errorFrame(parsed.error, parsed.clientMsgId));
    if (limited) return this.refuseFrame(ws, parsed.frame, limited);
    try {
      await this.handle(ws, parsed.frame);
    } catch (error) {
      log("error", "UserSession", "frame_failed", { userId: this.userId, type: parsed.frame.type, error });
      const clientMsgId = parsed.frame.type === "send" ? parsed.frame.clientMsgId : undefined;
      sendTo(ws, errorFrame({ code: "internal", message: "the frame could not be handled; retry" }, clientMsgId));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await this.socketGone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log("warn", "UserSession", "socket_error", { userId: this.userId, error });
    await this.socketGone(ws);
  }

  /** A frame over the socket's budget; a refused send holds back later ones, like any retryable refusal. */
  private refuseFrame(ws: WebSocket, frame: ClientFrame, error: ChatError): void {
    const clientMsgId = frame.type === "send" ? frame.clientMsgId : undefined;
    if (clientMsgId !== undefined) holdBack(ws, clientMsgId, error);
    sendTo(ws, errorFrame(error, clientMsgId));
  }

  private async handle(ws: WebSocket, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "send": {
        const held = heldBack(ws, frame.clientMsgId);
        if (held) return sendTo(ws, errorFrame(held, frame.clientMsgId));
        return this.submit(frame.conversationId, frame, (result) => {
          if (!result.ok) holdBack(ws, frame.clientMsgId, result.error);
          sendTo(ws, result.ok ? ackFrame(frame, result.value) : errorFrame(result.error, frame.clientMsgId));
        });
      }
      case "sync":
        return this.sync(ws, frame.after, frame.limit ?? SYNC_PAGE_DEFAULT);
      case "received":
        return this.received(frame.cursor);
      case "read": {
        const members = this.inbox.membersOf(frame.conversationId);
        if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER));
        // Over the fan-out budget the watermark still moves; only the live relay is skipped.
        const relay = this.limits.relay(members.length) === 0;
        const result = await this.conversation(frame.conversationId).read(this.userId!, frame.seq, relay);
        if (!result.ok) return sendTo(ws, errorFrame(result.error));
        return this.inbox.setReadSeq(frame.conversationId, result.value.readSeq);
      }
      case "typing": {
        const members = this.inbox.membersOf(frame.conversationId);
        if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER));
        const now = Date.now();
        if (now - (this.typingSentAt.get(frame.conversationId) ?? 0) < TYPING_THROTTLE_MS) return;
        // Typing is a hint: dropped when throttled or over the fan-out budget, like extra typing frames.
        if (this.limits.relay(members.length - 1, now) > 0) return;
        this.typingSentAt.set(frame.conversationId, now);
        const result = await this.conversation(frame.conversationId).typing(this.userId!);
        return result.ok ? undefined : sendTo(ws, errorFrame(result.error));
      }
      case "ping":
        return sendTo(ws, PONG_FRAME);
    }
  }

  /**
   * Checks membership (a conversation this session does not list is never called: an unknown id must not
   * create an object), charges the message and its recipients, then queues it behind the conversation's
   * in-flight call (see SendQueue).
   */
  private submit(conversationId: string, item: Outgoing, reply: (result: Result<SendResult>) => void): void {
    const members = this.inbox.membersOf(conversationId);
    if (!members) return reply(fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message));
    const wait = this.limits.send(Math.max(1, members.length - 1));
    if (wait > 0) return reply(fail("rate_limited", `sending too fast; retry in ${wait} ms`, wait));
    this.queue.enqueue(conversationId, { clientMsgId: item.clientMsgId, body: item.body }, reply);
  }

  /** One sync at a time per socket: a page is replayed whole before the next is taken. */
  private sync(ws: WebSocket, after: number, limit: number): void {
    if (this.syncing.has(ws)) return sendTo(ws, errorFrame({ code: "rate_limited", message: "a sync is already being answered on this socket", retryAfterMs: 100 }));
    this.syncing.add(ws);
    try {
      sendTo(ws, this.replay(ws, after, limit));
    } finally {
      this.syncing.delete(ws);
    }
  }

  /** Replays inbox entries after `after` to one device, then the `synced` frame (returned). */
  private replay(ws: WebSocket, after: number, limit: number): string {
    const entries = this.inbox.page(after, limit);
    for (const entry of entries) sendTo(ws, messageFrame(entry));
    const cursor = entries.at(-1)?.cursor ?? after;
    const synced: SyncedFrame = { type: "synced", cursor, latest: this.inbox.latest, more: cursor < this.inbox.latest };
    return JSON.stringify(synced);
  }

  /** A device has everything up to `cursor`: advance the per-conversation delivered receipts. */
  private received(cursor: number): void {
    const upTo = Math.min(cursor, this.inbox.latest);
    const from = Number(this.storage.sql.exec("SELECT COALESCE(MAX(value), 0) AS v FROM meta WHERE key = 'delivered_cursor'").one().v);
    if (upTo <= from) return;
    this.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('delivered_cursor', ?)", upTo);
    for (const [conversationId, seq] of this.inbox.highestSeqs(from, upTo)) {
      if (!this.inbox.setDeliveredSeq(conversationId, seq)) continue;
      const relay = this.limits.relay(Math.max(0, (this.inbox.membersOf(conversationId)?.length ?? 1) - 1)) === 0;
      this.conversation(conversationId).delivered(this.userId!, seq, relay).catch((error: unknown) => log("warn", "UserSession", "receipt_failed", { userId: this.userId, conversationId, error }));
    }
  }

  /**
   * One call to the Conversation for a queued batch. The sender's own copy, if it came back, is kept after the
   * acks (see BatchOutcome). Until then it is only in memory, which is safe: the Conversation counts it as
   * lent, not delivered, and sends it again if this session never confirms it.
   */
  private async sendBatch(conversationId: string, items: Outgoing[]): Promise<BatchOutcome> {
    const outcome = await this.conversation(conversationId).send(this.userId!, items, this.inbox.seqOf(conversationId));
    if (!outcome.ok) return { result: outcome };
    const own = outcome.value.own;
    return { result: ok(outcome.value.results), afterReplies: own ? () => this.take(own) : undefined };
  }

  // RPC entry points, called by the Worker and by Conversations.

  /** Takes one fan-out batch from a Conversation; idempotent (seqs already in the inbox are skipped). */
  async deliver(userId: string, delivery: Delivery): Promise<DeliveryReceipt> {
    this.identify(userId);
    return this.take(delivery);
  }

  private take(delivery: Delivery): DeliveryReceipt {
    const entries = this.inbox.accept(delivery);
    if (entries === null) return { needInfo: true };
    if (!Array.isArray(entries)) return entries;
    const sockets = this.ctx.getWebSockets();
    if (delivery.info) {
      const { active, ...conversation } = delivery.info;
      broadcast(sockets, JSON.stringify({ type: "conversation", conversation: { ...conversation, active } }));
    }
    for (const entry of entries) broadcast(sockets, messageFrame(entry));
    if (sockets.length === 0 && this.forwarder.enabled && entries.length > 0) this.queueOfflineEvents(entries);
    return {};
  }

  async relay(userId: string, frame: string): Promise<void> {
    this.identify(userId);
    broadcast(this.ctx.getWebSockets(), frame);
  }

  /** `POST /v1/conversations/:id/messages`: the same path as a WebSocket send (rate limit, order, idempotency). */
  send(userId: string, conversationId: string, item: Outgoing): Promise<Result<SendResult>> {
    this.identify(userId);
    return new Promise((resolve) => this.submit(conversationId, item, resolve));
  }

  conversations(userId: string): ConversationSummary[] {
    this.identify(userId);
    return this.inbox.list();
  }

  /**
   * Lets an HTTP call about a conversation through only when this user is in it (so no call reaches an object
   * for an id the user made up). A membership change (`addedMembers` given) reaches every member, old and new:
   * it is charged to the fan-out budget.
   */
  authorize(userId: string, conversationId: string, addedMembers?: number): Result<null> {
    this.identify(userId);
    const members = this.inbox.membersOf(conversationId);
    if (!members) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    if (addedMembers === undefined) return ok(null);
    const wait = this.limits.relay(members.length + addedMembers);
    return wait === 0 ? ok(null) : fail("rate_limited", `changing members reaches too many people; retry in ${wait} ms`, wait);
  }

  /** Counts a new conversation against the user's daily quota and its first delivery against the fan-out budget. */
  admitCreate(userId: string, kind: ConversationKind, members: number): Result<null> {
    this.identify(userId);
    const wait = this.limits.relay(members);
    if (wait > 0) return fail("rate_limited", `creating conversations too fast; retry in ${wait} ms`, wait);
    return this.quota.take(kind === "group" ? "group" : "direct", kind === "group" ? this.config.maxGroupsPerDay : this.config.maxDirectsPerDay);
  }

  /** Presence of the users this one shares a conversation with; anyone else looks offline and never seen. */
  async presenceOf(userId: string, users: string[]): Promise<Record<string, Presence>> {
    this.identify(userId);
    const contacts = this.inbox.contacts(users);
    contacts.add(userId);
    const answer: Record<string, Presence> = {};
    await Promise.all(
      users.map(async (u) => {
        answer[u] = contacts.has(u) ? await this.sessionStubs.get(u).presence() : { online: false, lastSeen: null };
      }),
    );
    return answer;
  }

  /** A one-time ticket for this user's next WebSocket upgrade (see user-session/tickets.ts). */
  async issueTicket(userId: string): Promise<Result<{ ticket: string; expiresAt: number }>> {
    this.identify(userId);
    if (!this.config.authSecret) return fail("unauthorized", "AUTH_SECRET is not set");
    return ok(await this.tickets.issue(this.config.authSecret, userId));
  }

  presence(): Presence {
    if (this.ctx.getWebSockets().length > 0) return { online: true, lastSeen: Date.now() };
    const row = this.storage.sql.exec("SELECT value FROM meta WHERE key = 'last_seen'").toArray()[0];
    return { online: false, lastSeen: row ? Number(row.value) : null };
  }

  /** Rate-limits subscribing; without origin (`keep`), the subscription is kept here (see PushSubscriptions). */
  pushSubscription(userId: string, subscription: PushSubscription, keep: boolean): Result<null> {
    this.identify(userId);
    const admitted = this.subscriptions.admit();
    if (!admitted.ok) return admitted;
    if (keep) this.subscriptions.keep(subscription);
    return ok(null);
  }

  override async alarm(): Promise<void> {
    this.clock.fired();
    if (this.forwarder.enabled && this.ctx.getWebSockets().length > 0) {
      this.outbox.add({ kind: "presence", userId: this.userId!, online: true, at: Date.now() });
      await this.clock.wakeBy(Date.now() + this.config.presenceRefreshMs);
    }
    this.forwarder.kick();
    const retryAt = this.outbox.pending() ? this.forwarder.nextAttempt() : null;
    if (retryAt !== null) await this.clock.wakeBy(retryAt);
  }

  private queueOfflineEvents(entries: InboxEntry[]): void {
    for (const entry of entries) {
      const message = JSON.parse(entry.json) as Message;
      if (message.senderId === this.userId) continue;
      const { conversationId, seq, senderId, sentAt } = message;
      this.outbox.add({ kind: "offline", userId: this.userId!, conversationId, seq, senderId, preview: previewOf(message.body), sentAt });
    }
    void this.clock.wakeBy(Date.now() + this.config.outboxRetryMs);
    this.forwarder.kick();
  }

  private async socketGone(ws: WebSocket): Promise<void> {
    const others = this.ctx.getWebSockets().filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length === 0) await this.presenceChanged(false);
  }

  private async presenceChanged(online: boolean): Promise<void> {
    const now = Date.now();
    if (!online) this.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seen', ?)", now);
    if (!this.forwarder.enabled || !this.userId) return;
    this.outbox.add({ kind: "presence", userId: this.userId, online, at: now });
    await this.clock.wakeBy(online ? now + this.config.presenceRefreshMs : now + this.config.outboxRetryMs);
    this.forwarder.kick();
  }

  private identify(userId: string): void {
    if (this.userId === userId) return;
    if (this.userId !== null) throw new Error(`UserSession of ${this.userId} addressed as ${userId}`);
    this.userId = userId;
    this.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('user_id', ?)", userId);
  }

  private conversation(conversationId: string) {
    return this.conversationStubs.get(conversationId);
  }
}

function ackFrame(frame: { clientMsgId: string; conversationId: string }, result: SendResult): string {
  const ack: AckFrame = { type: "ack", clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, ...result };
  return JSON.stringify(ack);
}

meterEntryPoints(UserSession, [
  "fetch", "webSocketMessage", "webSocketClose", "webSocketError", "alarm",
  "deliver", "relay", "send", "conversations", "authorize", "admitCreate", "presenceOf", "issueTicket", "presence", "pushSubscription",
]);
