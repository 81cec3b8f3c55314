/**
 * `sync`: what changed since `since`. The conversations this session is not sure of are asked first (paused ones, and
 * ones whose lazily saved position a restart left behind), then every conversation that moved since then is listed;
 * the device fetches what it lacks; and the messages the user hid since.
 */
import type { ClientFrameOf, HiddenFrame, StateFrame, SyncedFrame } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { exclusive, sendTo } from "../sockets.js";

export function onSync(
  host: Pick<SessionHost, "conversations" | "hidden" | "attachAll">,
  ws: WebSocket,
  frame: ClientFrameOf<"sync">,
): Promise<void> {
  return exclusive(ws, async () => {
    const at = Date.now();
    await host.attachAll(host.conversations.unsure());
    sendTo(
      ws,
      JSON.stringify({
        type: "state",
        conversations: host.conversations.changedSince(frame.since ?? 0),
      } satisfies StateFrame),
    );
    for (const [conversationId, seqs] of host.hidden.since(frame.since ?? 0))
      sendTo(ws, JSON.stringify({ type: "hidden", conversationId, seqs } satisfies HiddenFrame));
    sendTo(ws, JSON.stringify({ type: "synced", at } satisfies SyncedFrame));
  });
}
