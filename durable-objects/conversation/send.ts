/**
 * A sender's batch of messages and actions: sequenced in the order given (store.ts), pushed to the live members (push.ts), forwarded to origin,
 * answered once durable (the output gate holds the answer until the writes commit). Sending means having read what
 * came before: the sender's watermarks move to its newest message. In a direct conversation whose other member has a
 * device connected, the answer waits (at most ACK_WAIT_MS) for that delivery, so the ack says "delivered" (and "read",
 * when that member's device shows the conversation) and no receipt call of its own follows.
 */
import type { Outgoing, SendOutcome } from "../rpc.js";
import type { Forwarder } from "../shared/forwarder.js";
import type { MemberStates } from "./member-state.js";
import { isCurrent, type Member } from "./model.js";
import type { Push } from "./push.js";
import type { Receipts } from "./receipts.js";
import type { SafetyNet } from "./safety-net.js";
import type { ActionRules, ConversationStore } from "./store.js";

/** How long a direct conversation's send waits for the other member's delivery before it answers anyway. */
const ACK_WAIT_MS = 1_000;

export interface SendHost {
  store: ConversationStore;
  rules: ActionRules;
  states: Pick<MemberStates, "touch">;
  receipts: Receipts;
  push: Pick<Push, "kick" | "kickSome" | "settle">;
  safetyNet: Pick<SafetyNet, "sent">;
  forwarder: Pick<Forwarder, "kick">;
}

export async function sequence(host: SendHost, sender: Member, items: Outgoing[]): Promise<SendOutcome> {
  const { store, receipts, push } = host;
  const now = Date.now();
  const ownBefore = sender.lastOwnSeq;
  const results = store.append(sender.userId, items, now, host.rules);
  const fresh = results.flatMap((r) => (r.ok && !r.value.duplicate ? [r.value] : []));
  if (fresh.length === 0) return { results };
  push.kickSome(receipts.sent(sender, fresh[0]!.seq, store.lastSeq, ownBefore));
  host.states.touch();
  // The alarm finishes pushes and forwarding if this object dies first: it is set before the answer leaves.
  await host.safetyNet.sent(now);
  push.kick();
  host.forwarder.kick();
  const peer = await peerReceipt(host, sender);
  const receipt = receipts.take(sender);
  return { results, ...peer, ...(receipt ? { receipt } : {}) };
}

/** In a direct conversation whose other member is live: waits for its delivery, and says how far it has them. */
async function peerReceipt(host: SendHost, sender: Member): Promise<{ deliveredSeq?: number; readSeq?: number }> {
  const { store, receipts, push } = host;
  if (store.info!.kind !== "direct") return {};
  const peer = [...store.members.values()].find((m) => m.userId !== sender.userId && isCurrent(m));
  if (!peer?.live) return {};
  receipts.hold(sender);
  try {
    await push.settle([peer.userId], ACK_WAIT_MS);
  } finally {
    receipts.release(sender);
  }
  const receipt = {
    deliveredSeq: Math.min(peer.deliveredSeq, sender.lastOwnSeq),
    readSeq: Math.min(peer.readSeq, sender.lastOwnSeq),
  };
  receipts.relayed(sender, receipt);
  push.kickSome([sender.userId]);
  return receipt;
}
