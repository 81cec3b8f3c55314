/**
 * Actions in the chaos traffic: a share of the sends edit, delete or react to messages already acknowledged, or
 * reply to one. Chosen so that none is refused whatever the faults do: only the device that sent a message edits or
 * deletes it (its sends keep their order), only messages marked deletable (every tenth) are ever deleted, and only
 * the others are reacted to or quoted; each user has at most the three emoji on a message.
 */
import type { ActionRequest } from "../../protocol/actions.js";
import type { Random } from "./random.js";
import type { Sent } from "./traffic.js";

const EMOJI = ["👍", "❤️", "😂"] as const;
/** Edits stay well inside the edge's edit window (15 min by default). */
const EDIT_WITHIN_MS = 10 * 60_000;

export class ActionPicker {
  /** Per conversation, its acknowledged messages. */
  private readonly messages = new Map<string, Sent[]>();
  /** Messages a delete was issued for: nothing targets them again. */
  private readonly deleted = new Set<Sent>();
  /** Whether a user's emoji is on, as the user's last reaction set it ("user seq emoji"). */
  private readonly on = new Set<string>();

  constructor(private readonly random: Random) {}

  /** A message was acknowledged (a first time, not a duplicate): it may be acted on from now on. */
  acked(sent: Sent): void {
    if (sent.kind !== "message" || sent.seq === undefined) return;
    const list = this.messages.get(sent.conversationId) ?? [];
    list.push(sent);
    this.messages.set(sent.conversationId, list);
  }

  /** The seq a new message in `conversationId` may quote, if any. */
  replyTarget(conversationId: string): number | undefined {
    const candidates = (this.messages.get(conversationId) ?? []).filter((m) => !deletable(m));
    return candidates.length > 0 ? this.random.pick(candidates).seq : undefined;
  }

  /** An action `deviceKey` of `userId` may take in `conversationId` now, or null when there is none. */
  pick(userId: string, deviceKey: string, conversationId: string): ActionRequest | null {
    const all = this.messages.get(conversationId) ?? [];
    const roll = this.random.next();
    if (roll < 0.2) {
      const mine = all.filter((m) => m.deviceKey === deviceKey && deletable(m) && !this.deleted.has(m));
      if (mine.length === 0) return null;
      const target = this.random.pick(mine);
      this.deleted.add(target);
      return { kind: "delete", seq: target.seq! };
    }
    if (roll < 0.55) {
      const now = Date.now();
      const mine = all.filter((m) => m.deviceKey === deviceKey && !this.deleted.has(m) && now - m.at < EDIT_WITHIN_MS);
      if (mine.length === 0) return null;
      const target = this.random.pick(mine);
      return { kind: "edit", seq: target.seq!, body: `${target.body.slice(0, 24)} edited ${now}` };
    }
    const others = all.filter((m) => !deletable(m));
    if (others.length === 0) return null;
    const target = this.random.pick(others);
    const emoji = this.random.pick([...EMOJI]);
    const key = `${userId} ${target.seq} ${emoji}`;
    const on = !this.on.has(key);
    if (on) this.on.add(key);
    else this.on.delete(key);
    return { kind: "react", seq: target.seq!, emoji, on };
  }
}

/** Every tenth message may be deleted; the others are never, so reactions and quotes to them are never refused. */
function deletable(m: Sent): boolean {
  return m.order % 10 === 0;
}
