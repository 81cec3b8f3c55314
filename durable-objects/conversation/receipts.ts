/**
 * Receipts for senders: a sender's devices are told once every other member has been delivered (has read) its
 * messages, not once per member and message (in a group of N that relayed N−1 receipts to N members per message:
 * quadratic). For each sender waiting, the members at or past a target (one of its messages) are counted as their
 * watermarks move, so a group of a thousand costs a count, not a scan, per delivery. A target stays until everyone
 * reached it, then moves to the sender's newest message: a sender who keeps sending still sees its older messages
 * ticked. In a direct conversation the other member is everyone, and each step of its watermarks shows (a tick
 * per message): the receipt says who. Per-member detail is `GET /v1/conversations/:id`.
 */
import type { Receipt } from "../rpc.js";
import { isCurrent, type Member } from "./model.js";
import type { ConversationStore } from "./store.js";

type Kind = "delivered" | "read";
const KINDS: readonly Kind[] = ["delivered", "read"];

/** One of the sender's messages, and how many other members have reached it. */
interface Target {
  seq: number;
  reached: number;
}

type Waiting = Record<Kind, Target>;

export class Receipts {
  private readonly waiting = new Map<string, Waiting>();
  /** Current members (not those who left), counted when membership is loaded or changes. */
  private current = 0;
  /** Senders whose send's ack is about to carry their receipt: nothing is relayed to them meanwhile. */
  private readonly held = new Set<string>();

  constructor(private readonly store: Pick<ConversationStore, "info" | "members" | "currentMembers">) {}

  /** After loading or a membership change: recount for every sender whose devices were not told yet. */
  recount(): void {
    this.waiting.clear();
    this.current = this.store.currentMembers().length;
    for (const m of this.store.members.values())
      if (m.lastOwnSeq > Math.min(m.relayedDelivered, m.relayedRead)) this.wait(m);
  }

  /**
   * `sender` sent (firstSeq..seq]: it has its own messages, and now waits for the others. Receipts are for its own
   * messages only: when it had none waiting, what came before its new ones is no news to its devices (in a chat
   * taking turns, a receipt per message for the other side's seqs would be a call per message).
   */
  sent(sender: Member, firstSeq: number, seq: number, ownBefore: number): string[] {
    if (ownBefore <= sender.relayedDelivered) sender.relayedDelivered = Math.max(sender.relayedDelivered, firstSeq - 1);
    if (ownBefore <= sender.relayedRead) sender.relayedRead = Math.max(sender.relayedRead, firstSeq - 1);
    const before = { delivered: sender.deliveredSeq, read: sender.readSeq };
    sender.deliveredSeq = Math.max(sender.deliveredSeq, seq);
    sender.readSeq = Math.max(sender.readSeq, seq);
    const complete = this.moved(sender, before);
    this.wait(sender);
    return complete;
  }

  /**
   * `member`'s watermarks moved up from `before`: it counts for the senders whose target it passed. Returns the
   * senders whose devices are now owed a receipt.
   */
  moved(member: Member, before: { delivered: number; read: number }): string[] {
    const owed: string[] = [];
    const direct = this.store.info?.kind === "direct";
    for (const [userId, waiting] of this.waiting) {
      if (userId === member.userId) continue;
      const sender = this.store.members.get(userId);
      if (!sender) continue;
      let complete = direct && (member.deliveredSeq > before.delivered || member.readSeq > before.read);
      for (const kind of KINDS) {
        const target = waiting[kind];
        if (before[kind] < target.seq && member[`${kind}Seq`] >= target.seq && ++target.reached >= this.others(sender))
          complete = true;
      }
      if (complete) owed.push(userId);
    }
    return owed;
  }

  /** The receipt `member`'s devices are owed about its own messages, or null. */
  owed(member: Member): Receipt | null {
    const waiting = this.waiting.get(member.userId);
    if (!waiting || this.held.has(member.userId)) return null;
    if (this.store.info?.kind === "direct") return this.peerReceipt(member);
    const receipt: Receipt = {};
    if (this.due(member, waiting, "delivered")) receipt.deliveredSeq = waiting.delivered.seq;
    if (this.due(member, waiting, "read")) receipt.readSeq = waiting.read.seq;
    return receipt.deliveredSeq === undefined && receipt.readSeq === undefined ? null : receipt;
  }

  /** Takes what `member` is owed, as relayed: for an answer to a call the member made anyway. */
  take(member: Member): Receipt | null {
    const receipt = this.owed(member);
    if (receipt) this.relayed(member, receipt);
    return receipt;
  }

  /** While a send waits to put the receipt in its ack, the receipt is not relayed as well. */
  hold(member: Member): void {
    this.held.add(member.userId);
  }

  release(member: Member): void {
    this.held.delete(member.userId);
  }

  /** The receipt reached the member's session: reached targets move on to its newest message. */
  relayed(member: Member, receipt: Receipt): void {
    member.relayedDelivered = Math.max(member.relayedDelivered, receipt.deliveredSeq ?? 0);
    member.relayedRead = Math.max(member.relayedRead, receipt.readSeq ?? 0);
    const waiting = this.waiting.get(member.userId);
    if (!waiting) return;
    if (member.relayedDelivered >= member.lastOwnSeq && member.relayedRead >= member.lastOwnSeq)
      return void this.waiting.delete(member.userId);
    for (const kind of KINDS)
      if (this.relayedOf(member, kind) >= waiting[kind].seq)
        waiting[kind] = this.target(member, member.lastOwnSeq, kind);
  }

  private due(member: Member, waiting: Waiting, kind: Kind): boolean {
    return waiting[kind].reached >= this.others(member) && waiting[kind].seq > this.relayedOf(member, kind);
  }

  /** In a direct conversation every step of the other member's watermarks shows (a tick per message). */
  private peerReceipt(member: Member): Receipt | null {
    const peer = [...this.store.members.values()].find((m) => m.userId !== member.userId && isCurrent(m));
    if (!peer) return null;
    const receipt: Receipt = { userId: peer.userId };
    const delivered = Math.min(peer.deliveredSeq, member.lastOwnSeq);
    const read = Math.min(peer.readSeq, member.lastOwnSeq);
    if (delivered > member.relayedDelivered) receipt.deliveredSeq = delivered;
    if (read > member.relayedRead) receipt.readSeq = read;
    return receipt.deliveredSeq === undefined && receipt.readSeq === undefined ? null : receipt;
  }

  /** Starts (or keeps) waiting for the sender's messages: a target not reached yet stays where it is. */
  private wait(sender: Member): void {
    const waiting = this.waiting.get(sender.userId);
    // A target the sender's devices were not told about yet stays; one they were moves to the newest message.
    const next = (kind: Kind): Target => {
      const current = waiting?.[kind];
      return current && this.relayedOf(sender, kind) < current.seq
        ? current
        : this.target(sender, sender.lastOwnSeq, kind);
    };
    this.waiting.set(sender.userId, { delivered: next("delivered"), read: next("read") });
  }

  private target(sender: Member, seq: number, kind: Kind): Target {
    let reached = 0;
    for (const m of this.store.members.values())
      if (m.userId !== sender.userId && isCurrent(m) && m[`${kind}Seq`] >= seq) reached++;
    return { seq, reached };
  }

  private relayedOf(member: Member, kind: Kind): number {
    return kind === "delivered" ? member.relayedDelivered : member.relayedRead;
  }

  private others(member: Member): number {
    return this.current - (isCurrent(member) ? 1 : 0);
  }
}
