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

  /** True when some member is still owed something. */
  pending(): boolean {
    for (const member of this.store.members.values()) if (this.owed(member)) return true;
    return false;
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

  private owed(member: Member): boolean {
    return member.fanoutSeq < (member.untilSeq ?? this.store.lastSeq) || member.infoVersion < this.store.info!.version;
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
      const last = delivery.messages.at(-1)?.seq ?? member.fanoutSeq;
      this.store.confirmDelivery(member, last, version);
    }
  }

  private next(member: Member): Delivery {
    const info = this.store.info!;
    const until = member.untilSeq ?? this.store.lastSeq;
    const delivery: Delivery = { conversationId: info.id, messages: this.store.messagesAfter(member.fanoutSeq, until, MAX_DELIVERY_BATCH) };
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
