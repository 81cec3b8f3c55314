/**
 * A Conversation's push (rpc.ts, Delivery): the conversation's info, messages, a receipt, typing. Handed to every
 * device; answered with whether any device is connected (when none is, the conversation stops pushing until a device
 * attaches it again) and, when a device shows the conversation, how far it is read.
 */
import type { ConversationFrame, ConversationState, ReceiptFrame, TypingFrame } from "../../protocol/index.js";
import type { Delivery, DeliveryAnswer } from "../rpc.js";
import { ownRead } from "./frames/read.js";
import type { SessionHost } from "./host.js";
import { messageFrame } from "./server-frames.js";
import { inBackground } from "../shared/log.js";
import { broadcast, identityOf } from "./sockets.js";

type Host = Pick<SessionHost, "userId" | "epoch" | "conversations" | "sockets" | "blocks" | "conversation">;

export function deliver(host: Host, delivery: Delivery): DeliveryAnswer {
  const sockets = host.sockets();
  const { conversationId } = delivery;
  if (delivery.info) conversationChanged(host, delivery.info, sockets);
  if (!host.conversations.get(conversationId)) return { live: sockets.length > 0, epoch: host.epoch, needInfo: true };
  if (sockets.length === 0) {
    host.conversations.pause(conversationId);
    return { live: false, epoch: host.epoch };
  }
  const answer: DeliveryAnswer = { live: true, epoch: host.epoch };
  if (delivery.messages?.length) {
    for (const m of delivery.messages) broadcast(sockets, messageFrame(m.json));
    const last = delivery.messages.at(-1)!.seq;
    const shown = sockets.some((ws) => identityOf(ws)?.focus === conversationId);
    host.conversations.advance(conversationId, last, shown ? last : undefined);
    if (shown) {
      answer.readSeq = last;
      ownRead(host, conversationId, last, null);
    }
  }
  if (delivery.receipt)
    broadcast(sockets, JSON.stringify({ type: "receipt", conversationId, ...delivery.receipt } satisfies ReceiptFrame));
  if (delivery.typing)
    broadcast(
      sockets,
      JSON.stringify({ type: "typing", conversationId, userId: delivery.typing } satisfies TypingFrame),
    );
  return answer;
}

/**
 * The user was added or invited, the members, roles, title or the user's part changed, or the user left: kept at once,
 * told to every device. A conversation that now has a user this one blocked is told of the block.
 */
function conversationChanged(host: Host, info: ConversationState, sockets: WebSocket[]): void {
  const before = host.conversations.get(info.id)?.state.members ?? [];
  const row = host.conversations.upsert(info);
  if (sockets.length > 0)
    broadcast(sockets, JSON.stringify({ type: "conversation", conversation: row.state } satisfies ConversationFrame));
  if (!info.active) return;
  const joined = info.members.filter((u) => host.blocks.has(u) && !before.includes(u));
  for (const blocked of joined)
    inBackground(host.conversation(info.id).setBlock(host.userId, blocked, true), "UserSession", "block_failed", {
      conversationId: info.id,
    });
}

/** How many conversations are told of a block at once. */
const TELL_AT_ONCE = 8;

/** Tells every conversation the user shares with `userId` that it blocked (or unblocked) it. */
export async function tellConversations(
  host: Pick<SessionHost, "userId" | "conversations" | "conversation">,
  userId: string,
  on: boolean,
): Promise<void> {
  const ids = host.conversations.sharedWith([userId]).map((state) => state.id);
  for (let i = 0; i < ids.length; i += TELL_AT_ONCE)
    await Promise.all(
      ids.slice(i, i + TELL_AT_ONCE).map((id) => host.conversation(id).setBlock(host.userId, userId, on)),
    );
}
