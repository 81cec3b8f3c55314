/** Server frames the session builds, messages spliced from their JSON without re-serialising them. */
import type { ChatError, ErrorFrame } from "../../protocol/index.js";

/** `{"type":"message",…message}` from the message's JSON `{"conversationId",…}`. */
export function messageFrame(json: string): string {
  return `{"type":"message",${json.slice(1)}`;
}

export function errorFrame(error: ChatError, clientMsgId?: string, conversationId?: string): string {
  const frame: ErrorFrame = { type: "error", ...error };
  if (clientMsgId !== undefined) frame.clientMsgId = clientMsgId;
  if (conversationId !== undefined) frame.conversationId = conversationId;
  return JSON.stringify(frame);
}
