/**
 * Conversation: one Durable Object per conversation, and the conversation's log. It owns the members, assigns
 * `seq = last + 1` (a DO runs one event at a time, so sequencing needs no lock and no global counter), keeps the
 * history, pushes each message to the members that have a device connected, and serves the others the ranges
 * they missed when they come back (fan-out on read). Entry points only check and delegate; the work is in
 * conversation/ (store, send, push, receipts, typing, member state, membership rules) and the alarm's concerns
 * (push-retries.ts, safety-net.ts, retention.ts, shared/forwarder.ts) under one arbiter (shared/alarm.ts).
 */
import { DurableObject } from "cloudflare:workers";
import {
  failWith,
  NOT_A_MEMBER,
  ok,
  type ChangeMembers,
  type ConversationDetail,
  type ConversationInfo,
  type HistoryPage,
  type HistoryQuery,
  type Result,
  type SearchPage,
  type SearchQuery,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig } from "./config.js";
import { MemberStates } from "./conversation/member-state.js";
import { planMemberChange } from "./conversation/membership.js";
import type { Member } from "./conversation/model.js";
import { conversationOutbox } from "./conversation/outbox.js";
import { PushRetries } from "./conversation/push-retries.js";
import { Push } from "./conversation/push.js";
import { Receipts } from "./conversation/receipts.js";
import { generationSize, Pruning } from "./conversation/retention.js";
import { SafetyNet } from "./conversation/safety-net.js";
import { sequence, type SendHost } from "./conversation/send.js";
import { AttachmentDeletes, withVerifiedAttachments } from "./conversation/attachments.js";
import { ConversationStore } from "./conversation/store.js";
import { relayTyping, type TypingHost } from "./conversation/typing.js";
import type { ObjectEnv } from "./env.js";
import type {
  ConversationPosition,
  ConversationRpc,
  CreateRequest,
  Outgoing,
  RangeAnswer,
  SendOutcome,
  UserSessionRpc,
} from "./rpc.js";
import { AlarmArbiter } from "./shared/alarm.js";
import { entryPoints } from "./shared/entry-points.js";
import { Forwarder } from "./shared/forwarder.js";
import { log } from "./shared/log.js";
import { Meter } from "./shared/meter.js";
import { OriginClient } from "./shared/origin-client.js";
import { StubCache } from "./shared/stubs.js";

/** How long a membership change waits for members' sessions to learn of it before answering. */
const SETTLE_TIMEOUT_MS = 5_000;

export class Conversation extends DurableObject<ObjectEnv> implements ConversationRpc {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  private readonly config: EdgeConfig;
  private readonly store: ConversationStore;
  private readonly states: MemberStates;
  private readonly receipts: Receipts;
  private readonly push: Push;
  private readonly alarms: AlarmArbiter;
  private readonly attachmentDeletes: AttachmentDeletes;
  private readonly pushRetries: PushRetries;
  private readonly safetyNet: SafetyNet;
  private readonly forwarder: Forwarder;
  private readonly origin: OriginClient;
  private readonly sessions: StubCache<UserSessionRpc>;
  /** What a send and a typing frame use of this object (conversation/send.ts, conversation/typing.ts). */
  private readonly sending: SendHost;
  private readonly typist: TypingHost;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.meter = Meter.of(this.config.meterLog, env.METER_DATASET, "Conversation", ctx.id.toString());
    const storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.sessions = new StubCache<UserSessionRpc>(env.USER_SESSION);
    this.origin = new OriginClient(this.config, { source: "Conversation", name: () => this.name });
    this.store = new ConversationStore(storage, {
      generationSize: generationSize(this.config),
      rememberMs: this.config.historyMinAgeMs,
    });
    this.states = new MemberStates(storage.sql, this.store);
    this.receipts = new Receipts(this.store);
    this.receipts.recount();
    this.alarms = new AlarmArbiter(storage);
    this.push = new Push(
      this.store,
      this.states,
      this.receipts,
      (userId, delivery) => this.sessions.get(userId).deliver(delivery),
      (userId, error) => this.pushFailed(userId, error),
    );
    this.pushRetries = new PushRetries(this.push, this.store, this.alarms, this.config.fanoutRetryMs);
    this.safetyNet = new SafetyNet(this.states, this.alarms, this.config.safetyAlarmMs);
    this.forwarder = new Forwarder(this.config, conversationOutbox(this.store, this.states), this.origin, this.alarms);
    this.attachmentDeletes = new AttachmentDeletes(
      storage.sql,
      env.ATTACHMENTS,
      () => this.store.info?.id,
      this.alarms,
      this.config.outboxRetryMs,
    );
    this.alarms.register(
      this.attachmentDeletes,
      this.pushRetries,
      this.safetyNet,
      this.forwarder,
      new Pruning(this.config, this.store, this.states),
    );
    this.sending = {
      store: this.store,
      rules: { editWindowMs: this.config.editWindowMs },
      states: this.states,
      receipts: this.receipts,
      push: this.push,
      safetyNet: this.safetyNet,
      forwarder: this.forwarder,
    };
    this.typist = {
      store: this.store,
      states: this.states,
      deliver: (userId, delivery) => this.sessions.get(userId).deliver(delivery),
    };
  }

  /** The conversation's id. An alarm may wake a fresh instance without `ctx.id.name`, so the stored one comes first. */
  get name(): string {
    return this.store.info?.id ?? this.ctx.id.name ?? this.ctx.id.toString();
  }

  async create(request: CreateRequest): Promise<Result<{ created: boolean; conversation: ConversationInfo }>> {
    const created = this.store.info === null;
    if (created) {
      this.store.create(
        { id: request.id, kind: request.kind, title: request.title, creator: request.creator, createdAt: Date.now() },
        request.members,
      );
      this.receipts.recount();
      this.states.saveSoon();
      await this.settle(request.members);
    }
    return ok({ created, conversation: this.store.view() });
  }

  detail(userId: string): Result<ConversationDetail> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    const readSeqs: Record<string, number> = {};
    const deliveredSeqs: Record<string, number> = {};
    for (const id of this.store.currentMembers()) {
      const member = this.store.members.get(id)!;
      readSeqs[id] = member.readSeq;
      deliveredSeqs[id] = member.deliveredSeq;
    }
    return ok({ ...this.store.view(), lastSeq: this.store.lastSeq, readSeqs, deliveredSeqs });
  }

  async changeMembers(userId: string, change: ChangeMembers): Promise<Result<ConversationInfo>> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    const plan = planMemberChange(
      this.store.info!,
      this.store.currentMembers(),
      userId,
      change,
      this.config.maxGroupMembers,
      this.store.departed,
    );
    if (!plan.ok) return plan;
    const { add, remove } = plan.value;
    if (add.length + remove.length > 0) {
      const everyone = [...new Set([...this.store.currentMembers(), ...add, ...remove])];
      this.store.changeMembers(add, remove, remove.includes(userId) ? userId : undefined);
      this.receipts.recount();
      this.states.saveSoon();
      this.forwarder.kick();
      await this.settle(everyone);
    }
    return ok(this.store.view());
  }

  async send(senderId: string, items: Outgoing[]): Promise<Result<SendOutcome>> {
    const sender = this.store.member(senderId);
    if (!sender) return failWith(NOT_A_MEMBER);
    const id = this.store.info!.id;
    const outcome = await withVerifiedAttachments(this.env.ATTACHMENTS, id, senderId, items, (checked) =>
      sequence(this.sending, sender, checked),
    );
    if (items.some((item) => "action" in item && item.action.kind === "delete")) await this.attachmentDeletes.run();
    return ok(outcome);
  }

  async history(userId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    if (this.store.pageReachesPruned(query) && this.forwarder.enabled)
      return this.origin.history(this.store.info!.id, query);
    return ok(this.store.history(query));
  }

  search(userId: string, query: SearchQuery): Result<SearchPage> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    return ok(this.store.searchMessages(query));
  }

  attach(userId: string, epoch: number): Result<ConversationPosition> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    this.push.attached(member, epoch);
    return ok(this.position(member));
  }

  range(userId: string, after: number, limit: number, epoch: number): Result<RangeAnswer> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    this.push.attached(member, epoch);
    const position = this.position(member);
    if (after < this.store.oldestKept - 1) return ok({ ...position, messages: [], more: false, resync: true });
    const messages = this.store.messagesAfter(after, this.store.lastSeq, limit).map(({ seq, json }) => ({ seq, json }));
    const through = messages.at(-1)?.seq ?? after;
    return ok({ ...position, messages, more: through < this.store.lastSeq, resync: false });
  }

  /** Senders whose messages everyone has now read are told. */
  read(userId: string, seq: number): Result<{ readSeq: number }> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    const before = { delivered: member.deliveredSeq, read: member.readSeq };
    const readSeq = Math.min(seq, this.store.lastSeq);
    if (readSeq > member.readSeq) {
      member.readSeq = readSeq;
      member.deliveredSeq = Math.max(member.deliveredSeq, readSeq);
      this.push.watermarksMoved(member, before);
    }
    return ok({ readSeq: member.readSeq });
  }

  typing(userId: string): Result<null> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    relayTyping(this.typist, userId);
    return ok(null);
  }

  /** Each concern does its due work (pushes, saving member state, forwarding, pruning); then one alarm is set. */
  override async alarm(): Promise<void> {
    if (!this.store.info) return this.alarms.fired();
    await this.alarms.fire();
  }

  /** Waits for these members' sessions to learn of a change; the alarm retries those that did not in time. */
  private async settle(userIds: string[]): Promise<void> {
    const done = await this.push.settle(userIds, SETTLE_TIMEOUT_MS);
    if (!done) await this.pushRetries.failed();
  }

  private pushFailed(userId: string, error: unknown): void {
    log("warn", "Conversation", "push_failed", { object: this.name, userId, error });
    this.pushRetries
      .failed()
      .catch((e: unknown) => log("error", "Conversation", "alarm_failed", { object: this.name, error: e }));
  }

  private position(member: Member): ConversationPosition {
    return { state: this.push.view(member), oldestSeq: this.store.oldestKept };
  }
}

entryPoints<ConversationRpc>(
  Conversation,
  "Conversation",
  ["create", "detail", "changeMembers", "send", "history", "search", "attach", "range", "read", "typing"],
  ["alarm"],
);
