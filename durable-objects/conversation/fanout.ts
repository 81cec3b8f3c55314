/**
 * Reliable fan-out: every member is owed every message after its `fanoutSeq` watermark (up to when it left)
 * and the current membership if its `infoVersion` is behind. One delivery loop per member runs at a time, so
 * a member receives contiguous, ascending batches; whatever accumulates while a call is in flight goes in the
 * next call (natural batching). A failed call leaves the watermark where it was; the alarm retries it.
 */
import type { Delivery, DeliveryReceipt, MemberView } from "../shared/delivery.js";
import type { Member } from "./model.js";
import type { ConversationStore } from "./store.js";

export const MAX_DELIVERY_BATCH = 256;

export type Deliver = (userId: string, delivery: Delivery) => Promise<DeliveryReceipt>;

export class Fanout {
  private readonly running = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: ConversationStore,
    private readonly deliver: Deliver,
    private readonly onFailure: (userId: string, error: unknown) => void,
  ) {}

  /** True when some member is still owed something its delivery loop should send (lent copies: see reclaim). */
  pending(): boolean {
    for (const member of this.store.members.values()) if (this.owed(member)) return true;
    return false;
  }

  /**
   * The sender's own copy, handed back with its send's result instead of a delivery call of its own (in a
   * 1:1 chat that is a third of all calls). Only when no delivery to the sender is in flight and it knows the
   * conversation's current info, so the copy continues exactly where its confirmed watermark is.
   */
  lend(userId: string, now: number): Delivery | null {
    const member = this.store.members.get(userId);
    if (!member || this.running.has(userId) || member.infoVersion < this.store.info!.version || !this.owed(member)) return null;
    const delivery = this.next(member);
    member.lentSeq = delivery.messages.at(-1)!.seq;
    member.lentAt = now;
    return delivery;
  }

  /** The session reports (with its next send) how far its inbox goes: what it holds is confirmed. */
  seen(userId: string, seq: number): void {
    const member = this.store.members.get(userId);
    if (!member) return;
    const through = Math.min(seq, member.untilSeq ?? this.store.lastSeq);
    if (through > member.fanoutSeq) this.store.confirmDelivery(member, through, member.infoVersion);
  }

  /**
   * Lent copies not confirmed within `graceMs` are owed again (the session may have died before keeping them).
   * Returns when the earliest copy still within its grace falls due, or null when none is outstanding. In a
   * live chat the sender's next send or the next delivery to it confirms a copy long before that.
   */
  reclaim(now: number, graceMs: number): number | null {
    let due: number | null = null;
    for (const member of this.store.members.values()) {
      if (member.lentSeq <= member.fanoutSeq) continue;
      if (member.lentAt + graceMs <= now) member.lentSeq = 0;
      else due = Math.min(due ?? Infinity, member.lentAt + graceMs);
    }
    return due;
  }

  /** Starts a delivery loop for every member that is owed something and has none running. */
  kick(): void {
    for (const member of this.store.members.values()) if (this.owed(member)) this.run(member.userId);
  }

  /** Kicks, then waits (at most `timeoutMs`) for the given members' loops to end; true when all caught up. */
  async settle(userIds: string[], timeoutMs: number): Promise<boolean> {
    this.kick();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const loops = Promise.all(userIds.map((id) => this.running.get(id) ?? Promise.resolve(true))).then((r) => r.every(Boolean));
    try {
      return await Promise.race([loops, timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Owed by the delivery loop: what is neither confirmed nor lent, or the conversation's newer info. */
  private owed(member: Member): boolean {
    return Math.max(member.fanoutSeq, member.lentSeq) < (member.untilSeq ?? this.store.lastSeq) || member.infoVersion < this.store.info!.version;
  }

  private run(userId: string): Promise<boolean> {
    let loop = this.running.get(userId);
    if (!loop) {
      loop = this.loop(userId).finally(() => this.running.delete(userId));
      this.running.set(userId, loop);
    }
    return loop;
  }

  private async loop(userId: string): Promise<boolean> {
    for (;;) {
      const member = this.store.members.get(userId);
      if (!member || !this.owed(member)) return true;
      const delivery = this.next(member);
      const version = delivery.info ? this.store.info!.version : member.infoVersion;
      let receipt: DeliveryReceipt;
      try {
        receipt = await this.deliver(userId, delivery);
      } catch (error) {
        this.onFailure(userId, error);
        return false;
      }
      if (receipt.needInfo) {
        member.infoVersion = 0; // resend the conversation's info first; the watermark stays
        continue;
      }
      if (receipt.behind !== undefined) {
        // The lent copy never reached the session's inbox: resend from what it holds.
        member.lentSeq = 0;
        this.store.confirmDelivery(member, Math.min(receipt.behind, member.untilSeq ?? this.store.lastSeq), member.infoVersion);
        continue;
      }
      const last = delivery.messages.at(-1)?.seq ?? member.fanoutSeq;
      this.store.confirmDelivery(member, last, version);
    }
  }

  /** What the member is owed next: after its confirmed watermark, or after what was lent to it. */
  private next(member: Member): Delivery {
    const info = this.store.info!;
    const until = member.untilSeq ?? this.store.lastSeq;
    const lent = member.lentSeq > member.fanoutSeq;
    const from = lent ? member.lentSeq : member.fanoutSeq;
    const delivery: Delivery = { conversationId: info.id, messages: this.store.messagesAfter(from, until, MAX_DELIVERY_BATCH) };
    if (lent) delivery.after = member.lentSeq;
    if (member.infoVersion < info.version) delivery.info = this.view(member);
    return delivery;
  }

  private view(member: Member): MemberView {
    const info = this.store.info!;
    return {
      id: info.id,
      kind: info.kind,
      title: info.title,
      members: this.store.currentMembers(),
      createdAt: info.createdAt,
      lastSeq: this.store.lastSeq,
      active: member.untilSeq === null,
    };
  }
}
