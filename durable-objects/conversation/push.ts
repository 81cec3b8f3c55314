/**
 * Pushing to members' sessions. A live member (a device connected when its session last answered) is pushed every
 * message after what it confirmed, with the receipts its devices are owed about its own messages; every member,
 * live or not, is pushed the conversation's info when it changed (so it is listed as soon as it was added). One
 * loop per member runs at a time, so a member gets ascending batches, and whatever accumulates while a call is in
 * flight goes in the next (natural batching). A member whose session answers "no device" is no longer pushed
 * messages: it pulls what it missed when a device comes back (`Conversation.attach`). A failed call leaves the
 * member where it was; the alarm retries (alarm-concerns.ts).
 */
import type { ConversationState, Result } from "../../protocol/index.js";
import type { Delivery, DeliveryAnswer } from "../rpc.js";
import { SingleFlight } from "../shared/single-flight.js";
import type { MemberStates } from "./member-state.js";
import { isCurrent, type Member } from "./model.js";
import type { Receipts } from "./receipts.js";
import type { ConversationStore } from "./store.js";

export const MAX_PUSH_BATCH = 256;

export type Deliver = (userId: string, delivery: Delivery) => Promise<Result<DeliveryAnswer>>;

/** What pushing reads of the conversation: its info, members and log. */
export type PushStore = Pick<
  ConversationStore,
  "info" | "members" | "lastSeq" | "currentMembers" | "messagesAfter" | "confirmInfo" | "view" | "visibleFrom"
>;

export class Push {
  /** Each member's push loop: one at a time, so a member gets ascending batches. */
  private readonly loops = new SingleFlight<boolean>();

  constructor(
    private readonly store: PushStore,
    private readonly states: Pick<MemberStates, "saveSoon" | "touch">,
    private readonly receipts: Receipts,
    private readonly deliver: Deliver,
    private readonly onFailure: (userId: string, error: unknown) => void,
  ) {}

  /** Starts a loop for every member owed something that has none running. */
  kick(): void {
    for (const member of this.store.members.values()) if (this.owed(member)) this.start(member.userId);
  }

  /** Starts the loops of these members, if they are owed something. */
  kickSome(userIds: Iterable<string>): void {
    for (const userId of userIds) {
      const member = this.store.members.get(userId);
      if (member && this.owed(member)) this.start(userId);
    }
  }

  /** True when some member's loop has work it could not finish (the alarm should come back). */
  pending(): boolean {
    for (const member of this.store.members.values())
      if (this.owed(member) && !this.loops.get(member.userId)) return true;
    return false;
  }

  /** Kicks, then waits (at most `timeoutMs`) for these members' loops to end; true when all caught up. */
  async settle(userIds: string[], timeoutMs: number): Promise<boolean> {
    this.kick();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const loops = Promise.all(userIds.map((id) => this.loops.get(id) ?? Promise.resolve(true))).then((r) =>
      r.every(Boolean),
    );
    try {
      return await Promise.race([loops, timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** A member came back: pushed from now on (what it missed, it pulls). */
  attached(member: Member, epoch: number): void {
    if (epoch < member.epoch) return;
    if (!member.live || epoch > member.epoch) this.states.saveSoon();
    member.live = true;
    member.epoch = epoch;
    member.pushedSeq = Math.max(member.pushedSeq, this.store.lastSeq);
  }

  /** Owed by the loop: newer info (to anyone), or, to a live current member, messages or a receipt. */
  private owed(member: Member): boolean {
    if (member.infoVersion < this.store.info!.version) return true;
    if (!isCurrent(member) || !member.live) return false;
    return member.pushedSeq < this.store.lastSeq || this.receipts.owed(member) !== null;
  }

  /** A loop nobody waits for: a failure outside the delivery (which the loop handles itself) goes the same way. */
  private start(userId: string): void {
    this.run(userId).catch((error: unknown) => this.onFailure(userId, error));
  }

  private run(userId: string): Promise<boolean> {
    return this.loops.run(userId, () => this.loop(userId));
  }

  private async loop(userId: string): Promise<boolean> {
    for (;;) {
      const member = this.store.members.get(userId);
      if (!member || !this.owed(member)) return true;
      const { delivery, through, version } = this.next(member);
      if (!delivery.info && !delivery.messages?.length && !delivery.receipt) {
        member.pushedSeq = through; // only the member's own messages: nothing to send
        continue;
      }
      let answer: Result<DeliveryAnswer>;
      try {
        answer = await this.deliver(userId, delivery);
      } catch (error) {
        this.onFailure(userId, error);
        return false;
      }
      if (!answer.ok) {
        this.onFailure(userId, answer.error);
        return false;
      }
      this.apply(member, delivery, answer.value, through, version);
    }
  }

  private next(member: Member): { delivery: Delivery; through: number; version: number } {
    const info = this.store.info!;
    const delivery: Delivery = { conversationId: info.id };
    if (member.infoVersion < info.version) delivery.info = this.view(member);
    let through = member.pushedSeq;
    if (member.live && isCurrent(member)) {
      const batch = this.store.messagesAfter(member.pushedSeq, this.store.lastSeq, MAX_PUSH_BATCH);
      through = batch.at(-1)?.seq ?? member.pushedSeq;
      const messages = batch
        .filter((m) => m.senderId !== member.userId || m.system)
        .map(({ seq, json }) => ({ seq, json }));
      if (messages.length > 0) delivery.messages = messages;
      const receipt = this.receipts.owed(member);
      if (receipt) delivery.receipt = receipt;
    }
    return { delivery, through, version: info.version };
  }

  private apply(member: Member, delivery: Delivery, answer: DeliveryAnswer, through: number, version: number): void {
    if (answer.needInfo) {
      member.infoVersion = 0; // the next call carries the info; nothing was taken
      return;
    }
    if (delivery.info) this.store.confirmInfo(member, version);
    if (!answer.live) {
      // No device: the session took the info (it lists the conversation) and will pull what it missed.
      if (answer.epoch >= member.epoch && member.live) this.states.saveSoon();
      if (answer.epoch >= member.epoch) [member.live, member.epoch] = [false, answer.epoch];
      return;
    }
    member.epoch = Math.max(member.epoch, answer.epoch);
    const before = { delivered: member.deliveredSeq, read: member.readSeq };
    member.pushedSeq = Math.max(member.pushedSeq, through);
    member.deliveredSeq = Math.max(member.deliveredSeq, through);
    if (answer.readSeq !== undefined)
      member.readSeq = Math.max(member.readSeq, Math.min(answer.readSeq, this.store.lastSeq));
    if (delivery.receipt) this.receipts.relayed(member, delivery.receipt);
    if (member.deliveredSeq !== before.delivered || member.readSeq !== before.read)
      this.watermarksMoved(member, before);
  }

  /** A member's receipts moved: senders whose messages everyone now has get theirs. */
  watermarksMoved(member: Member, before: { delivered: number; read: number }): void {
    this.states.touch();
    this.kickSome(this.receipts.moved(member, before));
  }

  /** The conversation as `member` sees it: an invitee sees the group, and nothing of its log. */
  view(member: Member): ConversationState {
    const current = isCurrent(member);
    const state: ConversationState = {
      ...this.store.view(),
      lastSeq: current ? this.store.lastSeq : 0,
      readSeq: current ? member.readSeq : 0,
      active: current,
    };
    if (member.untilSeq !== null) return state;
    state.role = member.role;
    if (member.invitedBy !== null && member.role === "invited") state.invitedBy = member.invitedBy;
    if (member.mutedUntil !== null) state.mutedUntil = member.mutedUntil;
    const from = this.store.visibleFrom(member);
    if (from > 1) state.visibleFrom = from;
    return state;
  }
}
