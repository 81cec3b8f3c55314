/** Server frames the session builds from stored data, without re-serialising messages. */
import type { ChatError, ErrorFrame } from "../../protocol/index.js";
import type { InboxEntry } from "./inbox.js";

/** `{"type":"message","cursor":N,…message}` spliced from the stored message JSON. */
export function messageFrame(entry: InboxEntry): string {
  return `{"type":"message","cursor":${entry.cursor},${entry.json.slice(1)}`;
}

export function errorFrame(error: ChatError, clientMsgId?: string): string {
  const frame: ErrorFrame = { type: "error", ...error };
  if (clientMsgId !== undefined) frame.clientMsgId = clientMsgId;
  return JSON.stringify(frame);
}
