/**
 * UserSession: one Durable Object per user, addressed by the user's id. It holds the user's device sockets
 * (hibernatable: an idle socket costs nothing, and `ping` is answered by the runtime without waking the object), relays
 * sends to Conversations, hands what Conversations push to every device, and tells a device that comes back which
 * conversations moved, for it to fetch what it missed (the conversations are the logs; nothing is copied here per
 * message). Nothing it needs after hibernation lives only in memory: identity and focus are in socket attachments,
 * membership in SQLite, positions in SQLite or marked stale (user-session/conversations.ts). Entry points only check
 * and delegate: each client frame is handled in user-session/frames/, a push in user-session/deliver.ts.
 */
import { DurableObject } from "cloudflare:workers";
import {
  fail,
  failWith,
  NOT_A_MEMBER,
  ok,
  parseClientFrame,
  PING_FRAME,
  PONG_FRAME,
  type ConversationKind,
  type ConversationState,
  type Presence,
  type ReportReceipt,
  type ReportRequest,
  type Result,
  type SearchPage,
  type SearchQuery,
  type SendResult,
  type UserSettings,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig } from "./config.js";
import type { ObjectEnv } from "./env.js";
import type { ConversationRpc, Delivery, DeliveryAnswer, Outgoing, UserSessionRpc } from "./rpc.js";
import { moderationDesk } from "./moderation/rpc.js";
import { AlarmArbiter } from "./shared/alarm.js";
import { entryPoints } from "./shared/entry-points.js";
import { inBackground, log, logFailure } from "./shared/log.js";
import { Meter } from "./shared/meter.js";
import { OriginClient } from "./shared/origin-client.js";
import { StubCache } from "./shared/stubs.js";
import { Attachments } from "./user-session/attach.js";
import { upgrade } from "./user-session/connect.js";
import { Conversations } from "./user-session/conversations.js";
import { deliver, tellConversations } from "./user-session/deliver.js";
import { handleFrame, refuseFrame } from "./user-session/frames/index.js";
import { Hidden } from "./user-session/hidden.js";
import { searchAll } from "./user-session/search-all.js";
import { sendBatch, sendOverHttp } from "./user-session/frames/send.js";
import type { SessionHost } from "./user-session/host.js";
import { Meta } from "./user-session/meta.js";
import { PresenceReporter } from "./user-session/presence.js";
import { PushSubscriptions } from "./user-session/push-subscriptions.js";
import { reportMessage } from "./user-session/reports.js";
import { DailyQuota } from "./user-session/quota.js";
import { UserLimits } from "./user-session/rate-limit.js";
import { Uploads } from "./user-session/uploads.js";
import { SESSION_ADDED_COLUMNS, uploadsTable, USER_SESSION_SCHEMA } from "./user-session/schema.js";
import { Blocks, MAX_BLOCKS } from "./user-session/blocks.js";
import { addMissingColumns, rebuildWithoutRowid } from "./shared/sql.js";
import { SendQueue } from "./user-session/send-queue.js";
import { errorFrame } from "./user-session/server-frames.js";
import { admitFrame } from "./user-session/socket-limits.js";
import { closeQuietly, identityOf, sendTo } from "./user-session/sockets.js";
import { Tickets } from "./user-session/tickets.js";

const NEVER_SEEN: Presence = { online: false, lastSeen: null };

export class UserSession extends DurableObject<ObjectEnv> implements UserSessionRpc {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  private readonly config: EdgeConfig;
  private readonly meta: Meta;
  private readonly conversations: Conversations;
  private readonly limits: UserLimits;
  private readonly quota: DailyQuota;
  private readonly uploads: Uploads;
  private readonly blocks: Blocks;
  private readonly alarms: AlarmArbiter;
  private readonly subscriptions = new PushSubscriptions();
  private readonly tickets = new Tickets();
  private readonly presenceReporter: PresenceReporter;
  private readonly origin: OriginClient;
  private readonly attachments: Attachments;
  private readonly sessions: StubCache<UserSessionRpc>;
  /** What the frame handlers and `deliver` see of this session. */
  private readonly host: SessionHost;
  /** The user, once known (see `name`). */
  private user: string | null;
  /** Bumped (and saved) each time the first device connects: orders this session's answers to Conversations. */
  private epoch: number;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.meter = Meter.of(this.config.meterLog, env.METER_DATASET, "UserSession", ctx.id.toString());
    const storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    storage.sql.exec(USER_SESSION_SCHEMA);
    addMissingColumns(storage.sql, "conversations", SESSION_ADDED_COLUMNS.conversations);
    rebuildWithoutRowid(storage, "uploads", uploadsTable);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.meta = new Meta(storage.sql);
    this.epoch = Number(this.meta.get("epoch") ?? 0);
    this.user = ctx.id.name ?? this.userOfSockets();
    this.conversations = new Conversations(storage.sql, this.config.positionCheckpointMs);
    this.limits = new UserLimits(this.config);
    this.quota = new DailyQuota(storage.sql);
    this.blocks = new Blocks(storage.sql, this.meta);
    const attachments = this.meter?.bucket(env.ATTACHMENTS) ?? env.ATTACHMENTS;
    this.uploads = new Uploads(storage.sql, this.quota, this.config, attachments);
    this.alarms = new AlarmArbiter(storage);
    this.alarms.register(this.uploads);
    this.origin = new OriginClient(this.config, { source: "UserSession", name: () => this.name });
    this.presenceReporter = new PresenceReporter(this.config, this.origin);
    this.sessions = new StubCache<UserSessionRpc>(env.USER_SESSION);
    const conversationStubs = new StubCache<ConversationRpc>(env.CONVERSATION);
    const session = this;
    this.host = {
      get userId() {
        return session.userId;
      },
      get epoch() {
        return session.epoch;
      },
      conversations: this.conversations,
      blocks: this.blocks,
      hidden: new Hidden(storage.sql),
      limits: this.limits,
      uploads: this.uploads,
      presence: this.presenceReporter,
      queue: new SendQueue(
        (conversationId, items) => sendBatch(this.host, conversationId, items),
        (conversationId, error) =>
          log("warn", "UserSession", "conversation_unreachable", { object: this.name, conversationId, error }),
      ),
      typingSentAt: new Map(),
      sockets: (except) => ctx.getWebSockets().filter((ws) => ws !== except),
      conversation: (id) => conversationStubs.get(id),
      attachAll: (ids) => this.attachments.attachAll(ids),
    };
    this.attachments = new Attachments(this.host);
  }

  /** The user's id, for logs; the object's hex id while it is not known. */
  get name(): string {
    return this.user ?? this.ctx.id.toString();
  }

  /**
   * The user this session belongs to: the name it is addressed by (`ctx.id.name`). An instance woken by a hibernated
   * socket may not be told its name; that socket's identity says it (see userOfSockets).
   * https://developers.cloudflare.com/durable-objects/api/id/#name
   */
  private get userId(): string {
    this.user ??= this.ctx.id.name ?? this.userOfSockets();
    if (this.user === null) throw new Error("UserSession does not know its user");
    return this.user;
  }

  /** The user named in the attachment of any of its sockets (they survive hibernation); null without sockets. */
  private userOfSockets(): string | null {
    for (const ws of this.ctx.getWebSockets()) {
      const identity = identityOf(ws);
      if (identity) return identity.userId;
    }
    return null;
  }

  // Runtime entry points: the WebSocket upgrade and the sockets' events.

  override async fetch(request: Request): Promise<Response> {
    return upgrade(
      {
        ctx: this.ctx,
        host: this.host,
        tickets: this.tickets,
        firstDevice: () => this.firstDevice(),
        editWindowMs: this.config.editWindowMs,
      },
      request,
    );
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseClientFrame(message);
    // Refused frames cost tokens too: garbage is no cheaper to answer than a ping.
    const limited = admitFrame(ws, parsed.ok ? parsed.frame.type : null, this.config);
    if (!parsed.ok) return sendTo(ws, errorFrame(parsed.error, parsed.clientMsgId));
    if (limited) return refuseFrame(ws, parsed.frame, limited);
    try {
      await handleFrame(this.host, ws, parsed.frame);
    } catch (error) {
      logFailure("UserSession", this.name, "webSocketMessage", error, { frame: parsed.frame.type });
      const clientMsgId = "clientMsgId" in parsed.frame ? parsed.frame.clientMsgId : undefined;
      sendTo(ws, errorFrame({ code: "internal", message: "the frame could not be handled; retry" }, clientMsgId));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // The reciprocal close; 1005 and 1006 say no code was sent, and may not be sent back.
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await this.socketGone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log("warn", "UserSession", "socket_error", { object: this.name, error });
    await this.socketGone(ws);
  }

  // RPC entry points (rpc.ts): Conversations and the Worker.

  deliver(delivery: Delivery): Result<DeliveryAnswer> {
    return ok(deliver(this.host, delivery));
  }

  send(conversationId: string, item: Outgoing): Promise<Result<SendResult>> {
    return sendOverHttp(this.host, conversationId, item);
  }

  search(query: SearchQuery): Promise<Result<SearchPage>> {
    return searchAll(this.host, this.config.originUrl !== undefined ? this.origin : null, query);
  }

  /** Positions are made current first: the conversations this session is not sure of are asked. */
  async list(): Promise<Result<ConversationState[]>> {
    await this.attachments.attachAll(this.conversations.unsure());
    return ok(this.conversations.list());
  }

  admitSearch(conversationId: string): Result<null> {
    if (!this.conversations.membersOf(conversationId)) return failWith(NOT_A_MEMBER);
    const wait = this.limits.search(1);
    return wait === 0 ? ok(null) : fail("rate_limited", `searching too often; retry in ${wait} ms`, wait);
  }

  /** A membership change (`addedMembers` given) reaches every member, old and new: it is charged to the fan-out budget. */
  authorize(conversationId: string, addedMembers?: number): Result<null> {
    const members = this.conversations.membersOf(conversationId);
    if (!members) return failWith(NOT_A_MEMBER);
    if (addedMembers === undefined) return ok(null);
    const wait = this.limits.relay(members.length + addedMembers);
    return wait === 0
      ? ok(null)
      : fail("rate_limited", `changing members reaches too many people; retry in ${wait} ms`, wait);
  }

  admitCreate(kind: ConversationKind, members: number, peer?: string): Result<null> {
    if (peer !== undefined && this.blocks.has(peer))
      return fail("forbidden", `you blocked ${peer}: unblock them to write to them`);
    const wait = this.limits.relay(members);
    if (wait > 0) return fail("rate_limited", `creating conversations too fast; retry in ${wait} ms`, wait);
    return this.quota.take(
      kind === "group" ? "group" : "direct",
      kind === "group" ? this.config.maxGroupsPerDay : this.config.maxDirectsPerDay,
    );
  }

  admitMember(conversationId: string, kind: ConversationKind, by: string): Result<{ join: boolean }> {
    if (this.blocks.has(by))
      return fail("forbidden", `${this.userId} does not accept ${kind === "direct" ? "messages" : "groups"} from you`);
    if (kind === "group" && this.conversations.membersOf(conversationId)) return ok({ join: true });
    return ok({ join: this.blocks.settings().groupAdds === "anyone" });
  }

  authorizeInvite(conversationId: string): Result<null> {
    return this.conversations.invitedTo(conversationId)
      ? ok(null)
      : fail("not_found", "no invite to this conversation");
  }

  /**
   * Blocks (or unblocks) a user, and tells the conversations shared with it, a few at a time; one that cannot be told
   * now is told when its info next reaches this session (deliver.ts).
   */
  async block(userId: string, on: boolean): Promise<Result<{ blocked: string[] }>> {
    if (userId === this.userId) return fail("bad_request", "one cannot block oneself");
    if (on && !this.blocks.has(userId) && this.blocks.size >= MAX_BLOCKS)
      return fail("too_large", `at most ${MAX_BLOCKS} blocked users`);
    // Charged as a message: it writes a row and tells every conversation shared with the user.
    const wait = this.limits.send(1);
    if (wait > 0) return fail("rate_limited", `blocking too fast; retry in ${wait} ms`, wait);
    this.blocks.set(userId, on);
    await tellConversations(this.host, userId, on);
    return ok({ blocked: this.blocks.list() });
  }

  blockList(): Result<{ blocked: string[] }> {
    return ok({ blocked: this.blocks.list() });
  }

  settings(change?: Partial<UserSettings>): Result<UserSettings> {
    if (!change) return ok(this.blocks.settings());
    const wait = this.limits.send(0);
    if (wait > 0) return fail("rate_limited", `changing settings too fast; retry in ${wait} ms`, wait);
    return ok(this.blocks.changeSettings(change));
  }

  /** An attachment upload to a conversation the user is in, charged to the daily quota: the upload's id. */
  async admitUpload(conversationId: string, size: number): Promise<Result<{ id: string }>> {
    if (!this.conversations.membersOf(conversationId)) return failWith(NOT_A_MEMBER);
    const admitted = this.uploads.admit(conversationId, size);
    if (admitted.ok) await this.alarms.reschedule();
    return admitted;
  }

  uploadStored(id: string, sha256: string): Result<null> {
    this.uploads.stored(id, sha256);
    return ok(null);
  }

  override async alarm(): Promise<void> {
    await this.alarms.fire();
  }

  /** Contacts are asked in their own sessions; anyone else looks offline and never seen, so presence leaks to no stranger. */
  async presenceOf(users: string[]): Promise<Result<Record<string, Presence>>> {
    const contacts = this.conversations.contacts(users);
    contacts.add(this.userId);
    const answers = await Promise.all(
      users.map(
        async (u) => [u, contacts.has(u) ? await this.sessions.get(u).presence(this.userId) : ok(NEVER_SEEN)] as const,
      ),
    );
    const presence: Record<string, Presence> = {};
    for (const [user, answer] of answers) {
      if (!answer.ok) return answer;
      presence[user] = answer.value;
    }
    return ok(presence);
  }

  presence(asker: string): Result<Presence> {
    if (asker !== this.userId && this.blocks.has(asker)) return ok(NEVER_SEEN);
    if (this.ctx.getWebSockets().length > 0) return ok({ online: true, lastSeen: Date.now() });
    const lastSeen = this.meta.get("last_seen");
    return ok({ online: false, lastSeen: lastSeen === null ? null : Number(lastSeen) });
  }

  /** See user-session/tickets.ts. */
  async issueTicket(): Promise<Result<{ ticket: string; expiresAt: number }>> {
    if (!this.config.authSecret) return fail("unauthorized", "AUTH_SECRET is not set");
    return ok(await this.tickets.issue(this.config.authSecret, this.userId));
  }

  admitPushSubscription(): Result<null> {
    return this.subscriptions.admit();
  }

  report(conversationId: string, request: ReportRequest): Promise<Result<ReportReceipt>> {
    const { userId, conversations, conversation } = this.host;
    const moderation = moderationDesk(this.env.MODERATION);
    const filedBefore = (id: string, seq: number) => moderation.filed(id, seq, userId);
    const { quota, config } = this;
    return reportMessage(
      { userId, conversations, conversation, quota, reportsPerDay: config.reportsPerDay, filedBefore },
      conversationId,
      request,
    );
  }

  /**
   * The first device connected: a new connection epoch, presence at origin, and the conversations that stopped
   * pushing while no device was here push again (a device's sync would find them too; this does not wait for it).
   */
  private firstDevice(): void {
    this.epoch++;
    this.meta.set("epoch", this.epoch);
    inBackground(this.presenceReporter.online(this.userId), "UserSession", "presence_failed", { userId: this.userId });
    inBackground(this.attachments.attachAll(this.conversations.unsure()), "UserSession", "attach_failed", {
      userId: this.userId,
    });
  }

  private async socketGone(ws: WebSocket): Promise<void> {
    const others = this.ctx.getWebSockets().filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length > 0) return;
    this.meta.set("last_seen", Date.now());
    await this.presenceReporter.offline(this.userId);
  }
}

entryPoints<UserSessionRpc>(
  UserSession,
  "UserSession",
  [
    "deliver",
    "send",
    "search",
    "list",
    "authorize",
    "admitSearch",
    "admitCreate",
    "admitMember",
    "authorizeInvite",
    "block",
    "blockList",
    "settings",
    "admitUpload",
    "uploadStored",
    "presenceOf",
    "presence",
    "issueTicket",
    "admitPushSubscription",
    "report",
  ],
  ["fetch", "webSocketMessage", "webSocketClose", "webSocketError", "alarm"],
);
