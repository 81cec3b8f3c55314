/**
 * `read`: the user read a conversation up to `seq`. Kept here and shown on the user's other devices at once (their
 * unread counts clear); told to the conversation unless that is over the fan-out budget.
 */
import { NOT_A_MEMBER, type ClientFrameOf, type ReceiptFrame } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { errorFrame } from "../server-frames.js";
import { broadcast, sendTo } from "../sockets.js";

type Host = Pick<SessionHost, "userId" | "conversations" | "limits" | "conversation" | "sockets">;

export function onRead(host: Host, ws: WebSocket, frame: ClientFrameOf<"read">): Promise<void> {
  return readUpTo(host, ws, frame.conversationId, frame.seq);
}

export async function readUpTo(host: Host, ws: WebSocket, conversationId: string, seq: number): Promise<void> {
  const members = host.conversations.membersOf(conversationId);
  if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
  if (seq <= host.conversations.get(conversationId)!.state.readSeq) return;
  // Over the fan-out budget the read is still kept here and told to this user's devices; only the conversation waits.
  ownRead(host, conversationId, seq, ws);
  if (host.limits.relay(members.length) > 0) return;
  const result = await host.conversation(conversationId).read(host.userId, seq);
  if (!result.ok) sendTo(ws, errorFrame(result.error, undefined, conversationId));
}

/** The user's read watermark moved: kept, and shown on the user's devices but `from` (the unread count clears). */
export function ownRead(
  host: Pick<SessionHost, "userId" | "conversations" | "sockets">,
  conversationId: string,
  readSeq: number,
  from: WebSocket | null,
): void {
  const row = host.conversations.advance(conversationId, 0, readSeq);
  if (!row) return;
  const receipt: ReceiptFrame = { type: "receipt", conversationId, userId: host.userId, readSeq: row.state.readSeq };
  broadcast(host.sockets(from), JSON.stringify(receipt));
}
