/**
 * Conversation: one Durable Object per conversation. It owns the members, assigns `seq = last + 1` (a DO runs
 * one event at a time, so sequencing needs no lock and no global counter), keeps the history, and fans every
 * message out to each member's UserSession until each confirmed. Entry points only check and delegate; the
 * work is in conversation/ (store, fan-out, membership rules).
 */
import { DurableObject } from "cloudflare:workers";
import {
  fail, NOT_A_MEMBER, ok,
  type ChangeMembers, type ConversationDetail, type ConversationInfo, type ConversationKind, type HistoryPage,
  type HistoryQuery, type Result, type SendResult,
} from "../protocol/index.js";
import { loadConfig, type EdgeConfig, type Env } from "../workers/config.js";
import { planMemberChange } from "./conversation/membership.js";
import { Fanout } from "./conversation/fanout.js";
import { ConversationStore } from "./conversation/store.js";
import { AlarmClock, Backoff } from "./shared/alarm.js";
import type { Delivery, DeliveryReceipt } from "./shared/delivery.js";
import { Forwarder, type OutboxBatch } from "./shared/forwarder.js";
import { originHistory } from "./shared/origin-client.js";
import { log } from "./shared/log.js";
import { Meter, meterEntryPoints } from "./shared/meter.js";
import { StubCache } from "./shared/stubs.js";
import type { UserSession } from "./user-session.js";

export interface SendOutcome {
  results: SendResult[];
  /** The sender's own copy of what it is owed, this batch included: its session keeps it like a delivery. */
  own?: Delivery;
}

export interface CreateRequest {
  id: string;
  kind: ConversationKind;
  title: string;
  creator: string;
  members: string[];
}

/** How long a membership change waits for members' sessions to learn of it before answering. */
const SETTLE_TIMEOUT_MS = 5_000;
/** Pruning runs from the alarm in slices, so one alarm never holds the object for long. */
const PRUNE_BATCH = 2_000;
const ALARM_SETTLE_MS = 10_000;
/**
 * How long a lent own copy may go unconfirmed before the alarm delivers it again, in retry intervals. Longer
 * than a chat's usual pause between messages (whose next send confirms it), so a redundant delivery happens
 * about once per conversation going quiet, not at every alarm.
 */
const LENT_GRACE_RETRIES = 2;
/**
 * A conversation without a send for this many retry intervals is quiet: no next send is coming soon to
 * confirm its lent copies, so the alarm takes them back at once instead of waking again when they fall due.
 */
const QUIET_RETRIES = 0.5;

export class Conversation extends DurableObject<Env> {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  private readonly config: EdgeConfig;
  private readonly store: ConversationStore;
  private readonly clock: AlarmClock;
  private readonly fanout: Fanout;
  private readonly fanoutBackoff: Backoff;
  private readonly forwarder: Forwarder;
  private readonly sessions: StubCache<UserSession>;
  /** When the last send was sequenced (memory only: after a restart nothing is lent either). */
  private lastSendAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.meter = Meter.of(env, "Conversation", ctx.id.toString());
    const storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.sessions = new StubCache(env.USER_SESSION);
    this.config = loadConfig(env);
    this.store = new ConversationStore(storage);
    this.clock = new AlarmClock(storage);
    this.fanoutBackoff = new Backoff(this.config.fanoutRetryMs, 60_000);
    this.fanout = new Fanout(this.store, (userId, delivery) => this.deliverTo(userId, delivery), (userId, error) => this.fanoutFailed(userId, error));
    this.forwarder = new Forwarder(this.config, this.clock, (limit) => this.unforwarded(limit));
  }

  async create(request: CreateRequest): Promise<{ created: boolean; conversation: ConversationInfo }> {
    const created = this.store.info === null;
    if (created) {
      this.store.create({ id: request.id, kind: request.kind, title: request.title, creator: request.creator, createdAt: Date.now() }, request.members);
      await this.settle(request.members);
    }
    return { created, conversation: this.view() };
  }

  detail(userId: string): Result<ConversationDetail> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const readSeqs: Record<string, number> = {};
    for (const id of this.store.currentMembers()) readSeqs[id] = this.store.members.get(id)!.readSeq;
    return ok({ ...this.view(), lastSeq: this.store.lastSeq, readSeqs });
  }

  async changeMembers(userId: string, change: ChangeMembers): Promise<Result<ConversationInfo>> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const plan = planMemberChange(this.store.info!, this.store.currentMembers(), userId, change, this.config.maxGroupMembers, this.store.departed);
    if (!plan.ok) return plan;
    const { add, remove } = plan.value;
    if (add.length + remove.length > 0) {
      const everyone = [...new Set([...this.store.currentMembers(), ...add, ...remove])];
      this.store.changeMembers(add, remove, remove.includes(userId) ? userId : undefined);
      await this.settle(everyone);
    }
    return ok(this.view());
  }

  /**
   * Sequences one sender's messages in the order given. Resolves once they are durable (output gate), with
   * the sender's own copy when it can travel back with the result (see Fanout.lend). `seen` is how far the
   * sender's inbox goes in this conversation, which confirms earlier copies.
   */
  async send(senderId: string, items: { clientMsgId: string; body: string }[], seen?: number): Promise<Result<SendOutcome>> {
    if (!this.store.isMember(senderId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    if (seen !== undefined) this.fanout.seen(senderId, seen);
    const now = Date.now();
    this.lastSendAt = now;
    const results = this.store.append(senderId, items, now);
    const own = this.fanout.lend(senderId, now);
    if (results.some((r) => !r.duplicate) || own) {
      // The alarm is the safety net that finishes fan-out and forwarding if this object dies first.
      await this.clock.wakeBy(now + this.config.fanoutRetryMs);
      this.fanout.kick();
      this.forwarder.kick();
    }
    return ok(own ? { results, own } : { results });
  }

  async history(userId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    if (this.store.pageReachesPruned(query)) return originHistory(this.config, this.store.info!.id, query);
    return ok(this.store.history(query));
  }

  /**
   * Moves the reader's watermark forward and tells every member's devices, the reader's other devices too
   * (unless the reader's session found it over its fan-out budget: then only the watermark moves).
   */
  read(userId: string, seq: number, relay = true): Result<{ readSeq: number }> {
    const member = this.store.members.get(userId);
    if (!member || !this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    if (this.store.setWatermark(member, "readSeq", seq) && relay) {
      this.relay(this.store.currentMembers(), { type: "receipt", conversationId: this.store.info!.id, userId, readSeq: member.readSeq });
    }
    return ok({ readSeq: member.readSeq });
  }

  delivered(userId: string, seq: number, relay = true): void {
    const member = this.store.members.get(userId);
    if (!member || !this.store.isMember(userId) || !this.store.setWatermark(member, "deliveredSeq", seq) || !relay) return;
    const others = this.store.currentMembers().filter((id) => id !== userId);
    this.relay(others, { type: "receipt", conversationId: this.store.info!.id, userId, deliveredSeq: member.deliveredSeq });
  }

  typing(userId: string): Result<null> {
    if (!this.store.isMember(userId)) return fail(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
    const others = this.store.currentMembers().filter((id) => id !== userId);
    this.relay(others, { type: "typing", conversationId: this.store.info!.id, userId });
    return ok(null);
  }

  override async alarm(): Promise<void> {
    this.clock.fired();
    if (!this.store.info) return;
    // Bounded: under steady traffic the loops always owe more; the alarm is a safety net, not a long event.
    const now = Date.now();
    const quiet = now - this.lastSendAt >= QUIET_RETRIES * this.config.fanoutRetryMs;
    const lentDue = this.fanout.reclaim(now, quiet ? 0 : LENT_GRACE_RETRIES * this.config.fanoutRetryMs);
    const caughtUp = await this.fanout.settle([...this.store.members.keys()], ALARM_SETTLE_MS);
    this.store.saveWatermarks();
    if (caughtUp) this.fanoutBackoff.succeeded();
    this.forwarder.kick();
    if (this.forwarder.enabled) this.store.prune(this.config.historyKeep, Date.now() - this.config.historyMinAgeMs, PRUNE_BATCH);
    if (!caughtUp || this.fanout.pending()) await this.clock.wakeBy(Date.now() + (caughtUp ? this.config.fanoutRetryMs : this.fanoutBackoff.failed()));
    if (lentDue !== null) await this.clock.wakeBy(lentDue);
    // Forwarding keeps its own backoff: the alarm comes back when that allows, not at the fan-out's pace.
    const retryAt = this.forwarder.enabled && this.store.info.originSeq < this.store.lastSeq ? this.forwarder.nextAttempt() : null;
    if (retryAt !== null) await this.clock.wakeBy(retryAt);
  }

  private async settle(userIds: string[]): Promise<void> {
    const done = await this.fanout.settle(userIds, SETTLE_TIMEOUT_MS);
    if (!done) await this.clock.wakeBy(Date.now() + this.config.fanoutRetryMs);
  }

  private deliverTo(userId: string, delivery: Delivery): Promise<DeliveryReceipt> {
    return this.sessions.get(userId).deliver(userId, delivery);
  }

  private fanoutFailed(userId: string, error: unknown): void {
    log("warn", "Conversation", "fanout_failed", { conversationId: this.store.info?.id, userId, error });
    void this.clock.wakeBy(Date.now() + this.config.fanoutRetryMs);
  }

  /** Ephemeral frames (receipts, typing): best effort, never stored, never retried. */
  private relay(userIds: string[], frame: object): void {
    const text = JSON.stringify(frame);
    for (const userId of userIds) {
      this.sessions.get(userId).relay(userId, text).catch((error: unknown) => {
        log("warn", "Conversation", "relay_failed", { conversationId: this.store.info?.id, userId, error });
      });
    }
  }

  private unforwarded(limit: number): OutboxBatch | null {
    const messages = this.store.unforwarded(limit);
    const last = messages.at(-1);
    if (!last) return null;
    return { events: messages.map((m) => ({ kind: "message" as const, ...m })), commit: () => this.store.forwarded(last.seq) };
  }

  private view(): ConversationInfo {
    const info = this.store.info!;
    return { id: info.id, kind: info.kind, title: info.title, members: this.store.currentMembers(), createdAt: info.createdAt };
  }
}

meterEntryPoints(Conversation, ["alarm", "create", "detail", "changeMembers", "send", "history", "read", "delivered", "typing"]);
