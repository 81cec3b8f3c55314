/**
 * `typing`: shown to the other members that have a device connected (not to those blocked with the typist, either
 * way); never stored, never retried. An answer saying a
 * member has no device any more marks it not live, as a push's answer would.
 */
import type { Result } from "../../protocol/index.js";
import type { Delivery, DeliveryAnswer } from "../rpc.js";
import { log } from "../shared/log.js";
import type { MemberStates } from "./member-state.js";
import { isCurrent, type Member } from "./model.js";
import type { ConversationStore } from "./store.js";

export interface TypingHost {
  store: Pick<ConversationStore, "info" | "members">;
  states: Pick<MemberStates, "saveSoon">;
  deliver(userId: string, delivery: Delivery): Promise<Result<DeliveryAnswer>>;
}

/** `hidden`: members blocked with the typist, who are shown none of its typing. */
export function relayTyping(host: TypingHost, typist: string, hidden: ReadonlySet<string>): void {
  const conversationId = host.store.info!.id;
  for (const member of host.store.members.values()) {
    if (member.userId === typist || !isCurrent(member) || !member.live || hidden.has(member.userId)) continue;
    const failed = (error: unknown) =>
      log("warn", "Conversation", "typing_failed", { object: conversationId, userId: member.userId, error });
    host
      .deliver(member.userId, { conversationId, typing: typist })
      .then((answer) => (answer.ok ? answered(host, member, answer.value) : failed(answer.error.message)), failed);
  }
}

function answered(host: TypingHost, member: Member, answer: DeliveryAnswer): void {
  if (answer.live || answer.epoch < member.epoch) return;
  [member.live, member.epoch] = [false, answer.epoch];
  host.states.saveSoon();
}
