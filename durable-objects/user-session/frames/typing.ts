/**
 * `typing`: relayed by the conversation to its members with a device connected, at most once per TYPING_RELAY_MS per
 * conversation (timed by arrival here). Typing is a hint: one throttled or over the fan-out budget is dropped, silently.
 */
import { NOT_A_MEMBER, TYPING_RELAY_MS, type ClientFrameOf } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { errorFrame } from "../server-frames.js";
import { sendTo } from "../sockets.js";

type Host = Pick<SessionHost, "userId" | "conversations" | "limits" | "typingSentAt" | "conversation">;

export async function onTyping(host: Host, ws: WebSocket, frame: ClientFrameOf<"typing">): Promise<void> {
  const { conversationId } = frame;
  const members = host.conversations.membersOf(conversationId);
  if (!members) return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
  const now = Date.now();
  if (now - (host.typingSentAt.get(conversationId) ?? 0) < TYPING_RELAY_MS) return;
  if (host.limits.relay(members.length - 1, now) > 0) return;
  host.typingSentAt.set(conversationId, now);
  const result = await host.conversation(conversationId).typing(host.userId);
  if (!result.ok) sendTo(ws, errorFrame(result.error, undefined, conversationId));
}
