/**
 * The members' delivery state in one row (`member_state`): whether each has a device connected, its receipt
 * watermarks, what its devices were told, how far pushes and origin are confirmed. One row, not one per member:
 * with a thousand members a save is one row written, not a thousand. It is saved at once when a member comes or
 * goes (pushing to someone who is gone, or not to someone who is back, would cost or lose live delivery) and
 * otherwise from the alarm; a crash then costs re-sent receipts and re-pushed messages (devices drop repeats),
 * never a message.
 */
import { isCurrent } from "./model.js";
import type { ConversationStore } from "./store.js";
import type { Sql } from "../shared/sql.js";

/** [live, epoch, delivered, read, relayed delivered, relayed read] */
type Saved = [number, number, number, number, number, number];

interface Blob {
  members: Record<string, Saved>;
  /** Every live member had every message up to here. */
  pushedThrough: number;
  /** Origin confirmed every message up to here, and the members snapshot of this version. */
  originSeq: number;
  originVersion: number;
}

export class MemberStates {
  originSeq = 0;
  originVersion = 0;
  private dirty = false;
  private saveQueued = false;

  constructor(
    private readonly sql: Sql,
    private readonly store: ConversationStore,
  ) {
    this.load();
  }

  private load(): void {
    const row = this.sql.exec("SELECT state FROM member_state WHERE id = 1").toArray()[0];
    const blob = row ? (JSON.parse(String(row.state)) as Blob) : null;
    this.originSeq = blob?.originSeq ?? 0;
    this.originVersion = blob?.originVersion ?? 0;
    // Live members are pushed from what was confirmed: after a crash mid-push that re-sends a little.
    const pushed = Math.min(blob?.pushedThrough ?? this.store.lastSeq, this.store.lastSeq);
    for (const member of this.store.members.values()) {
      const saved = blob?.members[member.userId];
      member.pushedSeq = pushed;
      if (!saved) {
        // Never saved (new, or a crash before the first save): nothing is known delivered; nothing is owed either.
        member.relayedDelivered = member.relayedRead = member.lastOwnSeq;
        continue;
      }
      [member.live, member.epoch, member.deliveredSeq, member.readSeq, member.relayedDelivered, member.relayedRead] = [
        saved[0] === 1,
        saved[1],
        saved[2],
        saved[3],
        saved[4],
        saved[5],
      ];
    }
  }

  /** Something worth saving changed; the alarm saves it. */
  touch(): void {
    this.dirty = true;
  }

  /** A member came or went: saved once the current event's work is done (one write for all of its changes). */
  saveSoon(): void {
    this.dirty = true;
    if (this.saveQueued) return;
    this.saveQueued = true;
    queueMicrotask(() => {
      this.saveQueued = false;
      this.save();
    });
  }

  save(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const members: Record<string, Saved> = {};
    let pushedThrough = this.store.lastSeq;
    for (const m of this.store.members.values()) {
      members[m.userId] = [m.live ? 1 : 0, m.epoch, m.deliveredSeq, m.readSeq, m.relayedDelivered, m.relayedRead];
      if (m.live && isCurrent(m)) pushedThrough = Math.min(pushedThrough, m.pushedSeq);
    }
    const blob: Blob = { members, pushedThrough, originSeq: this.originSeq, originVersion: this.originVersion };
    this.sql.exec(
      "INSERT INTO member_state (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
      JSON.stringify(blob),
    );
  }
}
