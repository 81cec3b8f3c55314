/** `focus`: the device now shows `conversationId` (or nothing): what arrives there is read; what is there, it reads now. */
import { NOT_A_MEMBER, type ClientFrameOf } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { errorFrame } from "../server-frames.js";
import { identityOf, saveIdentity, sendTo } from "../sockets.js";
import { readUpTo } from "./read.js";

type Host = Pick<SessionHost, "userId" | "conversations" | "limits" | "conversation" | "sockets">;

export async function onFocus(host: Host, ws: WebSocket, frame: ClientFrameOf<"focus">): Promise<void> {
  const { conversationId } = frame;
  const identity = identityOf(ws);
  if (!identity) return;
  if (conversationId !== null && !host.conversations.membersOf(conversationId))
    return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
  saveIdentity(ws, { ...identity, focus: conversationId });
  if (conversationId === null) return;
  const { state } = host.conversations.get(conversationId)!;
  if (state.lastSeq > state.readSeq) await readUpTo(host, ws, conversationId, state.lastSeq);
}
