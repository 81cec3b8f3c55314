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
  fail,
  type ChatError,
  type ChangeMembers,
  type ConversationDetail,
  type GroupSettings,
  type ConversationInfo,
  type ConversationState,
  type HistoryPage,
  type HistoryQuery,
  type ReportReason,
  type ReportReceipt,
  type Result,
  type SearchPage,
  type SearchQuery,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig } from "./config.js";
import { MemberStates } from "./conversation/member-state.js";
import { planMemberChange, type MemberChange } from "./conversation/membership.js";
import { askInvitees } from "./conversation/invitees.js";
import type { Member } from "./conversation/model.js";
import { conversationOutbox } from "./conversation/outbox.js";
import { PushRetries } from "./conversation/push-retries.js";
import { Push } from "./conversation/push.js";
import { Receipts } from "./conversation/receipts.js";
import { generationSize, Pruning } from "./conversation/retention.js";
import { SafetyNet } from "./conversation/safety-net.js";
import { sequence, type SendHost } from "./conversation/send.js";
import { AttachmentDeletes, withVerifiedAttachments } from "./conversation/attachments.js";
import { fileReport } from "./conversation/report.js";
import { ConversationStore } from "./conversation/store.js";
import { relayTyping, type TypingHost } from "./conversation/typing.js";
import type { ObjectEnv } from "./env.js";
import { moderationDesk } from "./moderation/rpc.js";
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
  /** The ATTACHMENTS bucket, its operations counted when the meter is on. */
  private readonly attachments: R2Bucket;
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
    this.attachments = this.meter?.bucket(env.ATTACHMENTS) ?? env.ATTACHMENTS;
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
      this.attachments,
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

  /**
   * The Worker creates a conversation; creating a direct one again answers the existing one (`created: false`). The
   * others' sessions are asked first: a user who blocked the creator refuses, and in a group each says whether it is
   * added at once or invited.
   */
  async create(request: CreateRequest): Promise<Result<{ created: boolean; conversation: ConversationInfo }>> {
    if (this.store.info !== null) return ok({ created: false, conversation: this.store.view() });
    const others = request.members.filter((u) => u !== request.creator);
    const answers = await askInvitees(this.sessions, request.id, request.kind, request.creator, others);
    if (!answers.ok) return answers;
    if (this.store.info !== null) return ok({ created: false, conversation: this.store.view() });
    const history = request.kind === "group" ? (request.history ?? "joined") : "all";
    const { id, kind, title, creator } = request;
    this.store.create(
      { id, kind, title, creator, createdAt: Date.now(), history },
      [creator, ...answers.value.added],
      answers.value.invited,
    );
    await this.changed(request.members);
    return ok({ created: true, conversation: this.store.view() });
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

  /**
   * Admins invite and remove members, promote and demote; a member leaves. Those added are asked first (blocks,
   * settings); then every change is written at once, as entries of the log.
   */
  async changeMembers(userId: string, change: ChangeMembers): Promise<Result<ConversationInfo>> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    const plan = this.plan(userId, change);
    if (!plan.ok) return plan;
    const { add, remove, promote, demote } = plan.value;
    const info = this.store.info!;
    const answers = await askInvitees(this.sessions, info.id, info.kind, userId, add);
    if (!answers.ok) return answers;
    // The answers took a while: the change is planned again on what the group is now.
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    const again = this.plan(userId, change);
    if (!again.ok) return again;
    const fresh = (u: string) => this.store.roleOf(u) === undefined;
    const applied = {
      added: answers.value.added.filter(fresh),
      invited: answers.value.invited.filter(fresh),
      remove,
      promote,
      demote,
    };
    if (applied.added.length + applied.invited.length + remove.length + promote.length + demote.length === 0)
      return ok(this.store.view());
    const everyone = [...new Set([...this.store.present(), ...remove])];
    this.store.changeMembers(userId, applied, Date.now());
    await this.changed([...everyone, ...applied.added, ...applied.invited]);
    return ok(this.store.view());
  }

  /** An invitee accepts (it becomes a member, and sees what the group's history setting shows) or declines. */
  async answerInvite(userId: string, accept: boolean): Promise<Result<ConversationInfo>> {
    if (this.store.roleOf(userId) !== "invited") return fail("not_found", "no invite to this conversation");
    if (accept && this.store.currentMembers().length >= this.config.maxGroupMembers)
      return fail("bad_request", `a group has at most ${this.config.maxGroupMembers} members`);
    const everyone = this.store.present();
    this.store.answerInvite(userId, accept, Date.now());
    await this.changed(everyone);
    return ok(this.store.view());
  }

  /** An admin renames the group or sets what new members see of its history. */
  async changeSettings(userId: string, settings: GroupSettings): Promise<Result<ConversationInfo>> {
    if (!this.store.isMember(userId)) return failWith(NOT_A_MEMBER);
    if (this.store.info!.kind !== "group") return fail("bad_request", "a direct conversation has no settings");
    if (this.store.roleOf(userId) !== "admin") return fail("forbidden", "only an admin changes the group");
    const everyone = this.store.present();
    if (this.store.changeSettings(userId, settings, Date.now())) await this.changed(everyone);
    return ok(this.store.view());
  }

  /** A member mutes the conversation (no push from origin) until a time or until it unmutes (`until` null). */
  async mute(userId: string, until: number | null): Promise<Result<ConversationState>> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    if (member.mutedUntil !== until) {
      this.store.mute(member, until);
      this.states.saveSoon();
      this.forwarder.kick();
      await this.settle([userId]);
    }
    return ok(this.push.view(member));
  }

  /**
   * A member's session says it blocked (or unblocked) another member: in a direct conversation neither writes while
   * it stands, and in any conversation the blocked one is shown none of the blocker's typing.
   */
  setBlock(blocker: string, blocked: string, on: boolean): Result<null> {
    if (!this.store.isMember(blocker)) return failWith(NOT_A_MEMBER);
    this.store.setBlock(blocker, blocked, on);
    return ok(null);
  }

  async send(senderId: string, items: Outgoing[]): Promise<Result<SendOutcome>> {
    const sender = this.store.member(senderId);
    if (!sender) return failWith(NOT_A_MEMBER);
    const refusal = this.blockedSend(senderId);
    if (refusal) return refusal;
    const id = this.store.info!.id;
    const outcome = await withVerifiedAttachments(this.attachments, id, senderId, items, (checked) =>
      sequence(this.sending, sender, checked),
    );
    if (items.some((item) => "action" in item && item.action.kind === "delete")) await this.attachmentDeletes.run();
    return ok(outcome);
  }

  /** A page of the history the member may see (from its joining on, in a group that shows new members no more). */
  async history(userId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    const from = this.store.visibleFrom(member);
    const visible = visibleQuery(query, from);
    if (!visible) return ok({ messages: [], hasMore: false });
    const page =
      this.store.pageReachesPruned(visible) && this.forwarder.enabled
        ? await this.origin.history(this.store.info!.id, visible)
        : ok(this.store.history(visible));
    return page.ok ? ok(visiblePage(page.value, from)) : page;
  }

  search(userId: string, query: SearchQuery): Result<SearchPage> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    const from = this.store.visibleFrom(member);
    const page = this.store.searchMessages(query);
    return ok({ ...page, messages: page.messages.filter((m) => m.seq >= from) });
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
    after = Math.max(after, this.store.visibleFrom(member) - 1);
    if (after < this.store.oldestKept - 1) return ok({ ...position, after, messages: [], more: false, resync: true });
    const messages = this.store.messagesAfter(after, this.store.lastSeq, limit).map(({ seq, json }) => ({ seq, json }));
    const through = messages.at(-1)?.seq ?? after;
    return ok({ ...position, after, messages, more: through < this.store.lastSeq, resync: false });
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
    relayTyping(this.typist, userId, this.store.blockedWith(userId));
    return ok(null);
  }

  async report(userId: string, seq: number, reason: ReportReason, note?: string): Promise<Result<ReportReceipt>> {
    const member = this.store.member(userId);
    if (!member) return failWith(NOT_A_MEMBER);
    const reporter = { userId, conversationId: this.name, visibleFrom: this.store.visibleFrom(member) };
    const request = { seq, reason, ...(note ? { note } : {}) };
    return fileReport(this.store, moderationDesk(this.env.MODERATION), reporter, request);
  }

  /** Each concern does its due work (pushes, saving member state, forwarding, pruning); then one alarm is set. */
  override async alarm(): Promise<void> {
    if (!this.store.info) return this.alarms.fired();
    await this.alarms.fire();
  }

  /** The group changed: receipts count the members again, the change is saved and forwarded, and everyone told. */
  private async changed(userIds: string[]): Promise<void> {
    this.receipts.recount();
    this.states.saveSoon();
    this.forwarder.kick();
    await this.settle(userIds);
  }

  private plan(userId: string, change: ChangeMembers): Result<MemberChange> {
    const roster = {
      roleOf: (u: string) => this.store.roleOf(u),
      size: this.store.present().length,
      admins: this.store.withRole("admin").length,
    };
    const { maxGroupMembers } = this.config;
    return planMemberChange(this.store.info!, roster, userId, change, maxGroupMembers, this.store.departed);
  }

  /** In a direct conversation with a block either way, neither member writes (nothing is stored). */
  private blockedSend(senderId: string): { ok: false; error: ChatError } | null {
    if (this.store.info!.kind !== "direct") return null;
    const [other] = this.store.blockedWith(senderId);
    if (other === undefined) return null;
    return this.store.hasBlocked(senderId, other)
      ? fail("forbidden", `you blocked ${other}: unblock them to write here`)
      : fail("forbidden", `${other} does not accept messages from you`);
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
    return {
      state: this.push.view(member),
      oldestSeq: Math.max(this.store.oldestKept, this.store.visibleFrom(member)),
    };
  }
}

/** The query limited to seqs at or after `from`; null when nothing it asks for is visible. */
function visibleQuery(query: HistoryQuery, from: number): HistoryQuery | null {
  if (from <= 1) return query;
  if (query.before !== undefined && query.before <= from) return null;
  if (query.after !== undefined && query.after < from - 1) return { ...query, after: from - 1 };
  return query;
}

/** A page without what lies before `from` (which then has no more to show before it). */
function visiblePage(page: HistoryPage, from: number): HistoryPage {
  if (from <= 1 || page.messages.every((m) => m.seq >= from)) return page;
  return { messages: page.messages.filter((m) => m.seq >= from), hasMore: false };
}

entryPoints<ConversationRpc>(
  Conversation,
  "Conversation",
  [
    "create",
    "detail",
    "changeMembers",
    "answerInvite",
    "changeSettings",
    "mute",
    "setBlock",
    "send",
    "history",
    "search",
    "attach",
    "range",
    "read",
    "typing",
    "report",
  ],
  ["alarm"],
);
