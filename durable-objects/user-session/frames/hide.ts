/** `hide`: the user deletes messages for itself; every device of the user is told, nobody else. */
import { NOT_A_MEMBER, type ClientFrameOf, type HiddenFrame } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { errorFrame } from "../server-frames.js";
import { broadcast, sendTo } from "../sockets.js";

type Host = Pick<SessionHost, "conversations" | "hidden" | "sockets">;

export function onHide(host: Host, ws: WebSocket, frame: ClientFrameOf<"hide">): void {
  const { conversationId } = frame;
  if (!host.conversations.membersOf(conversationId))
    return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
  const seqs = host.hidden.hide(conversationId, frame.seqs);
  if (seqs.length === 0) return;
  broadcast(host.sockets(), JSON.stringify({ type: "hidden", conversationId, seqs } satisfies HiddenFrame));
}
