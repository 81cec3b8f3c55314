/** `fetch`: a page of a conversation's messages after `after`, from the conversation itself (fan-out on read). */
import { FETCH_PAGE_DEFAULT, NOT_A_MEMBER, type ClientFrameOf, type FetchedFrame } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { errorFrame, messageFrame } from "../server-frames.js";
import { exclusive, sendTo } from "../sockets.js";

type Host = Pick<SessionHost, "userId" | "epoch" | "conversations" | "conversation">;

export function onFetch(host: Host, ws: WebSocket, frame: ClientFrameOf<"fetch">): Promise<void> {
  return exclusive(ws, async () => {
    const { conversationId } = frame;
    if (!host.conversations.membersOf(conversationId))
      return sendTo(ws, errorFrame(NOT_A_MEMBER, undefined, conversationId));
    const result = await host
      .conversation(conversationId)
      .range(host.userId, frame.after, frame.limit ?? FETCH_PAGE_DEFAULT, host.epoch);
    if (!result.ok) return sendTo(ws, errorFrame(result.error, undefined, conversationId));
    const { after, messages, state, more, resync } = result.value;
    host.conversations.attached(conversationId, state);
    for (const m of messages) sendTo(ws, messageFrame(m.json));
    const fetched: FetchedFrame = {
      type: "fetched",
      conversationId,
      after,
      through: messages.at(-1)?.seq ?? after,
      lastSeq: state.lastSeq,
      more,
    };
    if (resync) fetched.resync = true;
    sendTo(ws, JSON.stringify(fetched));
  });
}
