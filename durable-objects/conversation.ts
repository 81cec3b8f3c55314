/**
 * Conversation: one Durable Object per conversation, and the conversation's log. It owns the members, assigns
 * `seq = last + 1` (a DO runs one event at a time, so sequencing needs no lock and no global counter), keeps the
 * history, pushes each message to the members that have a device connected, and serves the others the ranges
 * they missed when they come back (fan-out on read). Entry points only check and delegate; the work is in
 * conversation/ (store, pushes, receipts, member state, membership rules).
 */
import { DurableObject } from "cloudflare:workers";
import {
  exponentialBackoff, fail, NOT_A_MEMBER, ok, spread, type Backoff,
  type ChangeMembers, type ConversationDetail, type ConversationInfo, type ConversationKind, type HistoryPage,
  type HistoryQuery, type MembersEvent, type Result, type SendResult,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig } from "./config.js";
import type { ObjectEnv } from "./env.js";
import { MemberStates } from "./conversation/member-state.js";
import { planMemberChange } from "./conversation/membership.js";
import type { Member } from "./conversation/model.js";
import { Push } from "./conversation/push.js";
import { Receipts, type Receipt } from "./conversation/receipts.js";
import { ConversationStore } from "./conversation/store.js";
import { AlarmClock } from "./shared/alarm.js";
import type { ConversationPosition, DeliveredMessage, Delivery, DeliveryAnswer } from "./shared/delivery.js";
import { Forwarder, type OutboxBatch } from "./shared/forwarder.js";
import { log } from "./shared/log.js";
import { Meter, meterEntryPoints } from "./shared/meter.js";
import { originHistory } from "./shared/origin-client.js";
import { StubCache } from "./shared/stubs.js";
import type { UserSession } from "./user-session.js";

export interface SendOutcome {
  results: SendResult[];
  /** What the sender's devices are owed about its earlier messages: it rides on the answer it waits for anyway. */
  receipt?: Receipt;
  /**
   * In a direct conversation whose other member has a device connected, the send waits (briefly) for that
   * delivery: how far the other member then has the conversation delivered and read.
   */
  deliveredSeq?: number;
  readSeq?: number;
}

export interface CreateRequest {
  id: string;
  kind: ConversationKind;
  title: string;
  creator: string;
  members: string[];
}

export interface RangeAnswer extends ConversationPosition {
  messages: DeliveredMessage[];
  /** Messages after the last one returned remain. */
  more: boolean;
  /** `after` is older than what is kept here (and no origin has it): the device starts over from history. */
  resync: boolean;
}

/** How long a membership change waits for members' sessions to learn of it before answering. */
const SETTLE_TIMEOUT_MS = 5_000;
/** How long a direct conversation's send waits for the other member's delivery before it answers anyway. */
const ACK_WAIT_MS = 1_000;
const ALARM_SETTLE_MS = 10_000;
/** Pruning runs from the alarm a few generations at a time, so one alarm never holds the object for long. */
const PRUNE_BATCH = 4;
/** Retention drops the log in generations of a quarter of what it keeps: it keeps `keep` to 1.25 × `keep` messages. */
const GENERATIONS_KEPT = 4;

export class Conversation extends DurableObject<ObjectEnv> {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  private readonly config: EdgeConfig;
  private readonly store: ConversationStore;
  private readonly states: MemberStates;
  private readonly receipts: Receipts;
  private readonly push: Push;
  private readonly clock: AlarmClock;
  private readonly pushBackoff: Backoff;
  private readonly forwarder: Forwarder;
  private readonly sessions: StubCache<UserSession>;
  /** When the last send was sequenced (memory only). */
  private lastSendAt = 0;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.meter = Meter.of(this.config.meterLog, env.METER_DATASET, "Conversation", ctx.id.toString());
    const storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.sessions = new StubCache(env.USER_SESSION);
    this.store = new ConversationStore(storage, { generationSize: Math.ceil(retention(this.config) / GENERATIONS_KEPT), rememberMs: this.config.historyMinAgeMs });
    this.states = new MemberStates(storage.sql, this.store);
    this.receipts = new Receipts(this.store);
    this.receipts.recount();
    this.clock = new AlarmClock(storage);
    this.pushBackoff = exponentialBackoff(this.config.fanoutRetryMs, 60_000, spread(0.25));
    this.push = new Push(this.store, this.states, this.receipts, (userId, delivery) => this.deliverTo(userId, delivery), (userId, error) => this.pushFailed(userId, error));
    this.forwarder = new Forwarder(this.config, this.clock, (limit) => this.unforwarded(limit));
  }

  async create(request: CreateRequest): Promise<{ created: boolean; conversation: ConversationInfo }> {
    const created = this.store.info === null;
    if (created) {
      this.store.create({ id: request.id, kind: request.kind, title: request.title, creator: request.creator, createdAt: Date.now() }, request.members);
      this.receipts.recount();
      this.states.saveSoon();
      await this.settle(request.members);
    }
    return { created, conversation: this.view() };
  }

  detail(userId: string): Result<ConversationDetail> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const readSeqs: Record<string, number> = {};
    const deliveredSeqs: Record<string, number> = {};
    for (const id of this.store.currentMembers()) {
      const member = this.store.members.get(id)!;
      readSeqs[id] = member.readSeq;
      deliveredSeqs[id] = member.deliveredSeq;
    }
    return ok({ ...this.view(), lastSeq: this.store.lastSeq, readSeqs, deliveredSeqs });
  }

  async changeMembers(userId: string, change: ChangeMembers): Promise<Result<ConversationInfo>> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const plan = planMemberChange(this.store.info!, this.store.currentMembers(), userId, change, this.config.maxGroupMembers, this.store.departed);
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
    return ok(this.view());
  }

  /**
   * Sequences one sender's messages in the order given. Resolves once they are durable (output gate). Sending
   * means having read what came before: the sender's watermarks move to its newest message.
   */
  async send(senderId: string, items: { clientMsgId: string; body: string }[]): Promise<Result<SendOutcome>> {
    const sender = this.store.members.get(senderId);
    if (!sender || !this.store.isMember(senderId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const now = Date.now();
    const ownBefore = sender.lastOwnSeq;
    const results = this.store.append(senderId, items, now);
    const fresh = results.filter((r) => !r.duplicate);
    if (fresh.length === 0) return ok({ results });
    this.lastSendAt = now;
    this.push.kickSome(this.receipts.sent(sender, fresh[0]!.seq, this.store.lastSeq, ownBefore));
    this.states.touch();
    // The alarm is the safety net that finishes pushes and forwarding if this object dies first.
    await this.clock.wakeBy(now + this.config.safetyAlarmMs);
    this.push.kick();
    this.forwarder.kick();
    const peer = await this.peerReceipt(sender);
    const receipt = this.receipts.take(sender);
    return ok({ results, ...peer, ...(receipt ? { receipt } : {}) });
  }

  /**
   * A direct conversation's send waits for the other member's delivery when that member has a device connected:
   * the ack then says it was delivered (and read, when a device shows the conversation), and no receipt call of
   * its own follows.
   */
  private async peerReceipt(sender: Member): Promise<{ deliveredSeq?: number; readSeq?: number }> {
    if (this.store.info!.kind !== "direct") return {};
    const peer = [...this.store.members.values()].find((m) => m.userId !== sender.userId && m.untilSeq === null);
    if (!peer?.live) return {};
    this.receipts.hold(sender);
    try {
      await this.push.settle([peer.userId], ACK_WAIT_MS);
    } finally {
      this.receipts.release(sender);
    }
    const receipt = { deliveredSeq: Math.min(peer.deliveredSeq, sender.lastOwnSeq), readSeq: Math.min(peer.readSeq, sender.lastOwnSeq) };
    this.receipts.relayed(sender, receipt);
    this.push.kickSome([sender.userId]);
    return receipt;
  }

  async history(userId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    if (this.store.pageReachesPruned(query) && this.forwarder.enabled) return originHistory(this.config, this.store.info!.id, query);
    return ok(this.store.history(query));
  }

  /** A member's session has a device again (connection `epoch`): pushed from now on; told where the log is. */
  attach(userId: string, epoch: number): Result<ConversationPosition> {
    const member = this.store.members.get(userId);
    if (!member || !this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    this.push.attached(member, epoch);
    return ok(this.position(member));
  }

  /** Up to `limit` messages after `after`, for a device catching up (it also attaches the member). */
  range(userId: string, after: number, limit: number, epoch: number): Result<RangeAnswer> {
    const member = this.store.members.get(userId);
    if (!member || !this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    this.push.attached(member, epoch);
    const position = this.position(member);
    if (after < this.store.oldestKept - 1) return ok({ ...position, messages: [], more: false, resync: true });
    const messages = this.store.messagesAfter(after, this.store.lastSeq, limit).map(({ seq, json }) => ({ seq, json }));
    const through = messages.at(-1)?.seq ?? after;
    return ok({ ...position, messages, more: through < this.store.lastSeq, resync: false });
  }

  /** Moves the reader's watermark forward (never back); senders whose messages everyone read are told. */
  read(userId: string, seq: number): Result<{ readSeq: number }> {
    const member = this.store.members.get(userId);
    if (!member || !this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const before = { delivered: member.deliveredSeq, read: member.readSeq };
    const readSeq = Math.min(seq, this.store.lastSeq);
    if (readSeq > member.readSeq) {
      member.readSeq = readSeq;
      member.deliveredSeq = Math.max(member.deliveredSeq, readSeq);
      this.push.watermarksMoved(member, before);
    }
    return ok({ readSeq: member.readSeq });
  }

  /** Shown to the other members that have a device connected; never stored, never retried. */
  typing(userId: string): Result<null> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    for (const member of this.store.members.values()) {
      if (member.userId === userId || member.untilSeq !== null || !member.live) continue;
      this.deliverTo(member.userId, { conversationId: this.store.info!.id, typing: userId }).then(
        (answer) => this.typingAnswered(member, answer),
        (error: unknown) => log("warn", "Conversation", "typing_failed", { conversationId: this.store.info?.id, userId: member.userId, error }),
      );
    }
    return ok(null);
  }

  private typingAnswered(member: Member, answer: DeliveryAnswer): void {
    if (answer.live || answer.epoch < member.epoch) return;
    [member.live, member.epoch] = [false, answer.epoch];
    this.states.saveSoon();
  }

  /**
   * The safety net and the lazy work: finishes pushes a failure or a restart left (a fresh instance pushes from
   * what was last confirmed), saves the member state, forwards to origin, prunes, and comes back while the
   * conversation is active or something is still owed.
   */
  override async alarm(): Promise<void> {
    this.clock.fired();
    if (!this.store.info) return;
    const caughtUp = await this.push.settle(this.store.currentMembers(), ALARM_SETTLE_MS);
    this.states.save();
    if (caughtUp) this.pushBackoff.reset();
    this.forwarder.kick();
    this.prune();
    const now = Date.now();
    const wakes: (number | null)[] = [
      !caughtUp || this.push.pending() ? now + (caughtUp ? this.config.fanoutRetryMs : this.pushBackoff.next()) : null,
      now - this.lastSendAt < this.config.safetyAlarmMs ? now + this.config.safetyAlarmMs : null,
      this.forwarder.enabled && this.states.originSeq < this.store.lastSeq ? this.forwarder.nextAttempt() : null,
    ];
    const next = wakes.filter((t): t is number => t !== null);
    if (next.length > 0) await this.clock.wakeBy(Math.min(...next));
  }

  private prune(): void {
    const olderThan = Date.now() - this.config.historyMinAgeMs;
    const confirmed = this.forwarder.enabled ? this.states.originSeq : this.store.lastSeq;
    this.store.prune(retention(this.config), olderThan, PRUNE_BATCH, confirmed, this.forwarder.enabled);
  }

  private async settle(userIds: string[]): Promise<void> {
    const done = await this.push.settle(userIds, SETTLE_TIMEOUT_MS);
    if (!done) await this.clock.wakeBy(Date.now() + this.config.fanoutRetryMs);
  }

  private deliverTo(userId: string, delivery: Delivery): Promise<DeliveryAnswer> {
    return this.sessions.get(userId).deliver(delivery);
  }

  private pushFailed(userId: string, error: unknown): void {
    log("warn", "Conversation", "push_failed", { conversationId: this.store.info?.id, userId, error });
    this.clock.wakeBy(Date.now() + this.config.fanoutRetryMs).catch((e: unknown) => log("error", "Conversation", "alarm_failed", { error: e }));
  }

  /** Origin's outbox: the members snapshot when it changed, then the messages origin has not confirmed. */
  private unforwarded(limit: number): OutboxBatch | null {
    const info = this.store.info;
    if (!info) return null;
    const members: MembersEvent[] = info.version > this.states.originVersion
      ? [{ kind: "members", conversationId: info.id, version: info.version, members: this.store.currentMembers(), at: Date.now() }]
      : [];
    const messages = this.store.unforwarded(this.states.originSeq, limit - members.length);
    if (members.length + messages.length === 0) return null;
    const last = messages.at(-1)?.seq;
    return {
      events: [...members, ...messages.map((m) => ({ kind: "message" as const, ...m }))],
      commit: () => {
        if (members.length > 0) this.states.originVersion = info.version;
        if (last !== undefined) this.states.originSeq = last;
        this.states.touch();
      },
    };
  }

  private position(member: Member): ConversationPosition {
    return { state: this.push.view(member), oldestSeq: this.store.oldestKept };
  }

  private view(): ConversationInfo {
    const info = this.store.info!;
    return { id: info.id, kind: info.kind, title: info.title, members: this.store.currentMembers(), createdAt: info.createdAt };
  }
}

meterEntryPoints(Conversation, ["alarm", "create", "detail", "changeMembers", "send", "history", "attach", "range", "read", "typing"]);

/** How many messages a Conversation keeps at least: with an origin fewer, as older pages come from Cassandra. */
function retention(config: EdgeConfig): number {
  return config.originUrl !== undefined ? config.historyKeep : config.historyKeepWithoutOrigin;
}
