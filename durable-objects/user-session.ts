/**
 * UserSession: one Durable Object per user. It holds the user's device sockets (hibernatable: an idle socket
 * costs nothing, and `ping` is answered by the runtime without waking the object), relays sends to
 * Conversations, hands what Conversations push to every device, and tells a device that comes back which
 * conversations moved, for it to fetch what it missed (protocol v2: the conversations are the logs; nothing is
 * copied here per message). Nothing it needs after hibernation lives only in memory: identity and focus are in
 * socket attachments, membership in SQLite, positions in SQLite or marked stale (see user-session/conversations.ts).
 */
import { DurableObject } from "cloudflare:workers";
import {
  errorResponse, FETCH_PAGE_DEFAULT, fail, NOT_A_MEMBER, ok, parseClientFrame, PING_FRAME, PONG_FRAME, TYPING_RELAY_MS,
  type AckFrame, type ChatError, type ClientFrame, type ConversationFrame, type ConversationKind, type ConversationState, type FetchedFrame,
  type HelloFrame, type Message, type Presence, type PushSubscription, type ReceiptFrame, type Result, type SendResult, type StateFrame,
  type SyncedFrame, type TypingFrame,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig } from "./config.js";
import type { ObjectEnv } from "./env.js";
import type { Conversation } from "./conversation.js";
import type { ConversationPosition, Delivery, DeliveryAnswer } from "./shared/delivery.js";
import { log } from "./shared/log.js";
import { Meter, meterEntryPoints } from "./shared/meter.js";
import { StubCache } from "./shared/stubs.js";
import { Conversations } from "./user-session/conversations.js";
import { errorFrame, messageFrame } from "./user-session/frames.js";
import { PresenceReporter } from "./user-session/presence.js";
import { PushSubscriptions } from "./user-session/push-subscriptions.js";
import { DailyQuota } from "./user-session/quota.js";
import { UserLimits } from "./user-session/rate-limit.js";
import { USER_SESSION_SCHEMA } from "./user-session/schema.js";
import { heldBack, holdBack } from "./user-session/send-order.js";
import { SendQueue, type Outgoing } from "./user-session/send-queue.js";
import { admitFrame } from "./user-session/socket-limits.js";
import { broadcast, closeQuietly, identityOf, saveIdentity, sendTo } from "./user-session/sockets.js";
import { Tickets } from "./user-session/tickets.js";

/** A user's devices: more connections than this are refused (a device reconnecting replaces its old socket). */
const MAX_SOCKETS = 32;
/** Conversations asked at once when a device syncs after this session forgot where they were. */
const ATTACH_CONCURRENCY = 16;

export class UserSession extends DurableObject<ObjectEnv> {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  /** `ctx.storage`, metered when the meter is on: every module reads and writes through it. */
  private readonly storage: DurableObjectStorage;
  private readonly config: EdgeConfig;
  private readonly conversations: Conversations;
  private readonly presenceReporter: PresenceReporter;
  private readonly limits: UserLimits;
  private readonly quota: DailyQuota;
  private readonly subscriptions: PushSubscriptions;
  private readonly tickets = new Tickets();
  private readonly queue: SendQueue;
  private readonly typingSentAt = new Map<string, number>();
  /** Sockets with a `sync` or `fetch` being answered: one at a time per socket. */
  private readonly busy = new WeakSet<WebSocket>();
  /** Attaches in flight, so a sync right after a connect does not ask the same conversation twice. */
  private readonly attaching = new Map<string, Promise<void>>();
  private readonly conversationStubs: StubCache<Conversation>;
  private readonly sessionStubs: StubCache<UserSession>;
  private userId: string | null;
  /** Bumped (and saved) each time the first device connects: orders this session's answers to Conversations. */
  private epoch: number;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.meter = Meter.of(this.config.meterLog, env.METER_DATASET, "UserSession", ctx.id.toString());
    this.storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.conversationStubs = new StubCache(env.CONVERSATION);
    this.sessionStubs = new StubCache(env.USER_SESSION);
    this.storage.sql.exec(USER_SESSION_SCHEMA);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.conversations = new Conversations(this.storage.sql, this.config.positionCheckpointMs);
    this.presenceReporter = new PresenceReporter(this.config);
    this.limits = new UserLimits(this.config);
    this.quota = new DailyQuota(this.storage.sql);
    this.subscriptions = new PushSubscriptions(this.storage.sql);
    this.queue = new SendQueue((conversationId, items) => this.sendBatch(conversationId, items));
    this.userId = ctx.id.name ?? this.meta("user_id");
    this.epoch = Number(this.meta("epoch") ?? 0);
  }

  /** The WebSocket upgrade, forwarded by the Worker after it authenticated the user and validated the device. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("X-User-Id");
    const deviceId = request.headers.get("X-Device-Id");
    if (!userId || !deviceId || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("bad upgrade", { status: 400 });
    const ticket = request.headers.get("X-Ticket-Id");
    if (ticket !== null && !this.tickets.consume(ticket)) {
      return errorResponse({ code: "unauthorized", message: "unknown, used or expired ticket" });
    }
    this.identify(userId);
    for (const old of this.ctx.getWebSockets(deviceId)) closeQuietly(old, 4001, "replaced by a newer connection of this device");
    const live = this.ctx.getWebSockets().filter((ws) => identityOf(ws)?.deviceId !== deviceId);
    if (live.length >= MAX_SOCKETS) return errorResponse({ code: "rate_limited", message: `at most ${MAX_SOCKETS} devices connected at once` });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [deviceId]);
    saveIdentity(server, { userId, deviceId, connectedAt: Date.now(), focus: null });
    const hello: HelloFrame = { type: "hello", protocol: 2, userId, deviceId, serverTime: Date.now(), heartbeatMs: this.presenceReporter.heartbeatMs };
    server.send(JSON.stringify(hello));
    if (live.length === 0) this.firstDevice();
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
        return this.submit(frame.conversationId, frame, (result) => this.acked(ws, frame, result));
      }
      case "sync":
        return this.exclusive(ws, () => this.sync(ws, frame.since ?? 0));
      case "fetch":
        return this.exclusive(ws, () => this.fetchRange(ws, frame.conversationId, frame.after, frame.limit ?? FETCH_PAGE_DEFAULT));
      case "read":
        return this.read(ws, frame.conversationId, frame.seq);
      case "focus":
        return this.focus(ws, frame.conversationId);
      case "typing":
        return this.typing(ws, frame.conversationId);
      case "alive":
        return this.presenceReporter.renew(this.userId!);
      case "ping":
        return sendTo(ws, PONG_FRAME);
    }
  }

  /** One `sync` or `fetch` answered at a time per socket: its pages go out whole before the next is taken. */
  private async exclusive(ws: WebSocket, work: () => Promise<void>): Promise<void> {
    if (this.busy.has(ws)) return sendTo(ws, errorFrame({ code: "rate_limited", message: "a sync or fetch is already being answered on this socket", retryAfterMs: 100 }));
    this.busy.add(ws);
    try {
      await work();
    } finally {
      this.busy.delete(ws);
    }
  }

  /**
   * Checks membership (a conversation this session does not list is never called: an unknown id must not
   * create an object), charges the message and its recipients, then queues it behind the conversation's
   * in-flight call (see SendQueue).
   */
  private submit(conversationId: string, item: Outgoing, reply: (result: Result<SendResult>) => void): void {
    const members = this.conversations.membersOf(conversationId);
    if (!members) return reply(fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message));
    const wait = this.limits.send(Math.max(1, members.length - 1));
    if (wait > 0) return reply(fail("rate_limited", `sending too fast; retry in ${wait} ms`, wait));
    this.queue.enqueue(conversationId, { clientMsgId: item.clientMsgId, body: item.body }, reply);
  }

  /** The sending device gets the ack; the user's other devices get the message (and what the ack says of it). */
  private acked(ws: WebSocket | null, frame: { clientMsgId: string; conversationId: string; body: string }, result: Result<SendResult>): void {
    if (!result.ok) {
      if (ws) holdBack(ws, frame.clientMsgId, result.error);
      if (ws) sendTo(ws, errorFrame(result.error, frame.clientMsgId));
      return;
    }
    const sent = result.value;
    if (ws) sendTo(ws, JSON.stringify({ type: "ack", clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, ...sent } satisfies AckFrame));
    if (sent.duplicate) return;
    this.conversations.advance(frame.conversationId, sent.seq, sent.seq);
    const others = this.ctx.getWebSockets().filter((s) => s !== ws);
    if (others.length === 0) return;
    const message: Message = { conversationId: frame.conversationId, seq: sent.seq, senderId: this.userId!, clientMsgId: frame.clientMsgId, body: frame.body, sentAt: sent.sentAt };
    broadcast(others, messageFrame(JSON.stringify(message)));
    if (sent.deliveredSeq !== undefined || sent.readSeq !== undefined) {
      const peer = this.conversations.membersOf(frame.conversationId)?.find((u) => u !== this.userId);
      const receipt: ReceiptFrame = { type: "receipt", conversationId: frame.conversationId, ...(peer ? { userId: peer } : {}), deliveredSeq: sent.deliveredSeq, readSeq: sent.readSeq };
      broadcast(others, JSON.stringify(receipt));
    }
  }

  private async sendBatch(conversationId: string, items: Outgoing[]): Promise<Result<SendResult[]>> {
    const outcome = await this.conversation(conversationId).send(this.userId!, items);
    if (!outcome.ok) return outcome;
    const { results, deliveredSeq, readSeq, receipt } = outcome.value;
    if (receipt) broadcast(this.ctx.getWebSockets(), JSON.stringify({ type: "receipt", conversationId, ...receipt } satisfies ReceiptFrame));
    return ok(deliveredSeq === undefined ? results : results.map((r) => ({ ...r, deliveredSeq, readSeq })));
  }

  /**
   * What changed since `since`: the conversations whose position this session is not sure of are asked first
   * (paused ones, and ones whose lazily saved position a restart left behind), then every conversation that moved
   * since then is listed; the device fetches what it lacks.
   */
  private async sync(ws: WebSocket, since: number): Promise<void> {
    const at = Date.now();
    await this.attachAll(this.conversations.unsure());
    const state: StateFrame = { type: "state", conversations: this.conversations.changedSince(since) };
    sendTo(ws, JSON.stringify(state));
    sendTo(ws, JSON.stringify({ type: "synced", at } satisfies SyncedFrame));
  }

  /** A page of a conversation's messages after `after`, from the conversation itself. */
  private async fetchRange(ws: WebSocket, conversationId: string, after: number, limit: number): Promise<void> {
    if (!this.conversations.membersOf(conversationId)) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
    const result = await this.conversation(conversationId).range(this.userId!, after, limit, this.epoch);
    if (!result.ok) return sendTo(ws, errorFrame(result.error, undefined, conversationId));
    const { messages, state, more, resync } = result.value;
    this.conversations.attached(conversationId, state);
    for (const m of messages) sendTo(ws, messageFrame(m.json));
    const fetched: FetchedFrame = { type: "fetched", conversationId, after, through: messages.at(-1)?.seq ?? after, lastSeq: state.lastSeq, more };
    if (resync) fetched.resync = true;
    sendTo(ws, JSON.stringify(fetched));
  }

  private async read(ws: WebSocket, conversationId: string, seq: number): Promise<void> {
    const members = this.conversations.membersOf(conversationId);
    if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
    const row = this.conversations.get(conversationId)!;
    if (seq <= row.state.readSeq) return;
    // Over the fan-out budget the read is still kept here and told to this user's devices; only the conversation waits.
    this.ownRead(conversationId, seq, ws);
    if (this.limits.relay(members.length) > 0) return;
    const result = await this.conversation(conversationId).read(this.userId!, seq);
    if (!result.ok) sendTo(ws, errorFrame(result.error, undefined, conversationId));
  }

  /** The device now shows `conversationId` (or nothing): what arrives there is read; what is there, it reads now. */
  private async focus(ws: WebSocket, conversationId: string | null): Promise<void> {
    const identity = identityOf(ws);
    if (!identity) return;
    if (conversationId !== null && !this.conversations.membersOf(conversationId)) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
    saveIdentity(ws, { ...identity, focus: conversationId });
    if (conversationId === null) return;
    const row = this.conversations.get(conversationId)!;
    if (row.state.lastSeq > row.state.readSeq) await this.read(ws, conversationId, row.state.lastSeq);
  }

  private async typing(ws: WebSocket, conversationId: string): Promise<void> {
    const members = this.conversations.membersOf(conversationId);
    if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
    const now = Date.now();
    if (now - (this.typingSentAt.get(conversationId) ?? 0) < TYPING_RELAY_MS) return;
    // Typing is a hint: dropped when throttled or over the fan-out budget, like extra typing frames.
    if (this.limits.relay(members.length - 1, now) > 0) return;
    this.typingSentAt.set(conversationId, now);
    const result = await this.conversation(conversationId).typing(this.userId!);
    if (!result.ok) sendTo(ws, errorFrame(result.error, undefined, conversationId));
  }

  /** The user's read watermark moved: kept, and shown on the user's other devices (the unread count clears). */
  private ownRead(conversationId: string, readSeq: number, from: WebSocket | null): void {
    const row = this.conversations.advance(conversationId, 0, readSeq);
    if (!row) return;
    const receipt: ReceiptFrame = { type: "receipt", conversationId, userId: this.userId!, readSeq: row.state.readSeq };
    broadcast(this.ctx.getWebSockets().filter((s) => s !== from), JSON.stringify(receipt));
  }

  // RPC entry points, called by Conversations and the Worker.

  /**
   * A Conversation's push: the conversation's info, messages, a receipt, typing. Handed to every device; answered
   * with whether any device is connected (when none is, the conversation stops pushing until a device attaches it
   * again) and, when a device shows the conversation, how far it is read.
   */
  deliver(delivery: Delivery): DeliveryAnswer {
    const sockets = this.ctx.getWebSockets();
    const { conversationId } = delivery;
    if (delivery.info) this.conversationChanged(delivery.info, sockets);
    if (!this.conversations.get(conversationId)) return { live: sockets.length > 0, epoch: this.epoch, needInfo: true };
    if (sockets.length === 0) {
      this.conversations.pause(conversationId);
      return { live: false, epoch: this.epoch };
    }
    const answer: DeliveryAnswer = { live: true, epoch: this.epoch };
    if (delivery.messages?.length) {
      for (const m of delivery.messages) broadcast(sockets, messageFrame(m.json));
      const last = delivery.messages.at(-1)!.seq;
      const shown = sockets.some((ws) => identityOf(ws)?.focus === conversationId);
      this.conversations.advance(conversationId, last, shown ? last : undefined);
      if (shown) {
        answer.readSeq = last;
        this.ownRead(conversationId, last, null);
      }
    }
    if (delivery.receipt) broadcast(sockets, JSON.stringify({ type: "receipt", conversationId, ...delivery.receipt } satisfies ReceiptFrame));
    if (delivery.typing) broadcast(sockets, JSON.stringify({ type: "typing", conversationId, userId: delivery.typing } satisfies TypingFrame));
    return answer;
  }

  private conversationChanged(info: ConversationState, sockets: WebSocket[]): void {
    const row = this.conversations.upsert(info);
    if (sockets.length > 0) broadcast(sockets, JSON.stringify({ type: "conversation", conversation: row.state } satisfies ConversationFrame));
  }

  /** `POST /v1/conversations/:id/messages`: the same path as a WebSocket send (rate limit, order, idempotency). */
  send(userId: string, conversationId: string, item: Outgoing): Promise<Result<SendResult>> {
    this.identify(userId);
    return new Promise((resolve) =>
      this.submit(conversationId, item, (result) => {
        this.acked(null, { ...item, conversationId }, result);
        resolve(result);
      }),
    );
  }

  /** `GET /v1/conversations`: every conversation the user is in, positions made current first. */
  async list(userId: string): Promise<ConversationState[]> {
    this.identify(userId);
    await this.attachAll(this.conversations.unsure());
    return this.conversations.list();
  }

  /**
   * Lets an HTTP call about a conversation through only when this user is in it (so no call reaches an object
   * for an id the user made up). A membership change (`addedMembers` given) reaches every member, old and new:
   * it is charged to the fan-out budget.
   */
  authorize(userId: string, conversationId: string, addedMembers?: number): Result<null> {
    this.identify(userId);
    const members = this.conversations.membersOf(conversationId);
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
    const contacts = this.conversations.contacts(users);
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
    const lastSeen = this.meta("last_seen");
    return { online: false, lastSeen: lastSeen === null ? null : Number(lastSeen) };
  }

  /** Rate-limits subscribing; without origin (`keep`), the subscription is kept here (see PushSubscriptions). */
  pushSubscription(userId: string, subscription: PushSubscription, keep: boolean): Result<null> {
    this.identify(userId);
    const admitted = this.subscriptions.admit();
    if (!admitted.ok) return admitted;
    if (keep) this.subscriptions.keep(subscription);
    return ok(null);
  }

  /**
   * The first device connected: a new connection epoch, presence at origin, and the conversations that stopped
   * pushing while no device was here push again (a device's sync would find them too; this does not wait for it).
   */
  private firstDevice(): void {
    this.epoch++;
    this.setMeta("epoch", this.epoch);
    void this.presenceReporter.online(this.userId!);
    void this.attachAll(this.conversations.unsure());
  }

  /** Asks these conversations where they are (and to push again), a few at a time. */
  private async attachAll(ids: string[]): Promise<void> {
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.attach(id);
    };
    await Promise.all(Array.from({ length: Math.min(ATTACH_CONCURRENCY, queue.length) }, worker));
  }

  private attach(conversationId: string): Promise<void> {
    let attaching = this.attaching.get(conversationId);
    if (!attaching) {
      attaching = this.attachOnce(conversationId).finally(() => this.attaching.delete(conversationId));
      this.attaching.set(conversationId, attaching);
    }
    return attaching;
  }

  private async attachOnce(conversationId: string): Promise<void> {
    let result: Result<ConversationPosition>;
    try {
      result = await this.conversation(conversationId).attach(this.userId!, this.epoch);
    } catch (error) {
      return log("warn", "UserSession", "attach_failed", { userId: this.userId, conversationId, error });
    }
    // Not a member any more: the conversation tells this session so (info with active: false) when it can.
    if (result.ok) this.conversations.attached(conversationId, result.value.state);
  }

  private async socketGone(ws: WebSocket): Promise<void> {
    const others = this.ctx.getWebSockets().filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length > 0) return;
    this.setMeta("last_seen", Date.now());
    await this.presenceReporter.offline(this.userId!);
  }

  private identify(userId: string): void {
    if (this.userId === userId) return;
    if (this.userId !== null) throw new Error(`UserSession of ${this.userId} addressed as ${userId}`);
    this.userId = userId;
    if (this.ctx.id.name === undefined) this.setMeta("user_id", userId);
  }

  private meta(key: string): string | null {
    const row = this.storage.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? String(row.value) : null;
  }

  private setMeta(key: string, value: string | number): void {
    this.storage.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  private conversation(conversationId: string) {
    return this.conversationStubs.get(conversationId);
  }
}

meterEntryPoints(UserSession, [
  "fetch", "webSocketMessage", "webSocketClose", "webSocketError",
  "deliver", "send", "list", "authorize", "admitCreate", "presenceOf", "issueTicket", "presence", "pushSubscription",
]);
