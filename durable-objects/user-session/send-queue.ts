/**
 * Per-conversation send queue. One call to the Conversation is in flight per conversation; whatever the
 * user's devices send meanwhile waits and goes in the next call. That keeps each device's messages in the
 * order it sent them (calls are never reordered) and batches under load (fewer calls per message).
 */
import { fail, RETRYABLE_CODES, type ChatError, type Result, type SendResult } from "../../protocol/index.js";
import type { Outgoing } from "../rpc.js";
import { inBackground } from "../shared/log.js";
import { loopIsQuiet, nextTurn } from "../shared/next-turn.js";

type Reply = (result: Result<SendResult>) => void;

/** One call for the batch; each item answered on its own (an action or a reply may be refused alone). */
type SendBatch = (conversationId: string, items: Outgoing[]) => Promise<Result<Result<SendResult>[]>>;

/** A call that could not be made or answered (its error is logged here, never shown to a client). */
type OnUnreachable = (conversationId: string, error: unknown) => void;

const MAX_BATCH = 256;
/** A conversation this long without a call in flight starts its next one at once (see idleAndQuiet). */
const IDLE_MS = 100;

export class SendQueue {
  private readonly queues = new Map<string, { items: Outgoing[]; replies: Reply[] }>();
  private readonly busy = new Set<string>();
  private readonly idleSince = new Map<string, number>();

  constructor(
    private readonly sendBatch: SendBatch,
    private readonly onUnreachable: OnUnreachable = () => undefined,
  ) {}

  enqueue(conversationId: string, item: Outgoing, reply: Reply): void {
    let queue = this.queues.get(conversationId);
    if (!queue) this.queues.set(conversationId, (queue = { items: [], replies: [] }));
    queue.items.push(item);
    queue.replies.push(reply);
    if (this.busy.has(conversationId)) return;
    this.busy.add(conversationId);
    const drain = () => inBackground(this.drain(conversationId), "SendQueue", "drain_failed", { conversationId });
    if (this.idleAndQuiet(conversationId)) drain();
    else nextTurn(drain);
  }

  /**
   * Under load the call starts on the next turn, after the frames already queued for this object were read:
   * a device's whole burst goes in one call, not one call per message. A conversation that sent nothing for a
   * while, in a runtime whose last timer came on time, has no burst to wait for: its call starts at once, which
   * saves the timer event. The runtime's lateness guards the case that matters: under saturation every gap looks
   * idle, because the device's next frames wait in the runtime's queue, not on the device.
   */
  private idleAndQuiet(conversationId: string): boolean {
    const since = this.idleSince.get(conversationId);
    return since !== undefined && Date.now() - since >= IDLE_MS && loopIsQuiet();
  }

  private async drain(conversationId: string): Promise<void> {
    try {
      for (
        let queue = this.queues.get(conversationId);
        queue && queue.items.length > 0;
        queue = this.queues.get(conversationId)
      ) {
        const items = queue.items.splice(0, MAX_BATCH);
        const replies = queue.replies.splice(0, MAX_BATCH);
        if (queue.items.length === 0) this.queues.delete(conversationId);
        const result = await this.sendBatch(conversationId, items).catch((error: unknown) => {
          this.onUnreachable(conversationId, error);
          return UNAVAILABLE;
        });
        if (!result.ok && RETRYABLE_CODES.has(result.error.code)) {
          // Whatever waited behind a failed call fails too: sending it now would sequence it before the retry.
          const behind = this.queues.get(conversationId);
          this.queues.delete(conversationId);
          replies.push(...(behind?.replies ?? []));
        }
        replies.forEach((reply, i) => reply(result.ok ? result.value[i]! : result));
      }
    } finally {
      this.busy.delete(conversationId);
      this.idleSince.set(conversationId, Date.now());
    }
  }
}

/** The conversation could not be reached (overloaded, restarting): the client retries with the same clientMsgId. */
const UNAVAILABLE: { ok: false; error: ChatError } = fail(
  "unavailable",
  "conversation unavailable, retry with the same clientMsgId",
);
