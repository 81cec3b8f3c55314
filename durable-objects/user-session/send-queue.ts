/**
 * Per-conversation send queue. One call to the Conversation is in flight per conversation; whatever the
 * user's devices send meanwhile waits and goes in the next call. That keeps each device's messages in the
 * order it sent them (calls are never reordered) and batches under load (fewer calls per message).
 */
import { fail, type ChatError, type Result, type SendResult } from "../../protocol/index.js";

export interface Outgoing {
  clientMsgId: string;
  body: string;
}

type Reply = (result: Result<SendResult>) => void;
type SendBatch = (conversationId: string, items: Outgoing[]) => Promise<Result<SendResult[]>>;

const MAX_BATCH = 256;

export class SendQueue {
  private readonly queues = new Map<string, { items: Outgoing[]; replies: Reply[] }>();
  private readonly busy = new Set<string>();

  constructor(private readonly sendBatch: SendBatch) {}

  enqueue(conversationId: string, item: Outgoing, reply: Reply): void {
    let queue = this.queues.get(conversationId);
    if (!queue) this.queues.set(conversationId, (queue = { items: [], replies: [] }));
    queue.items.push(item);
    queue.replies.push(reply);
    if (this.busy.has(conversationId)) return;
    // The call starts on the next turn, after the frames already queued for this object were read: under load
    // a device's whole burst goes in one call (the bench: ~8 messages per call instead of ~2). Idle, it costs
    // one timer event.
    this.busy.add(conversationId);
    setTimeout(() => void this.drain(conversationId), 0);
  }

  private async drain(conversationId: string): Promise<void> {
    try {
      for (let queue = this.queues.get(conversationId); queue && queue.items.length > 0; queue = this.queues.get(conversationId)) {
        const items = queue.items.splice(0, MAX_BATCH);
        const replies = queue.replies.splice(0, MAX_BATCH);
        if (queue.items.length === 0) this.queues.delete(conversationId);
        const result = await this.sendBatch(conversationId, items).catch((error: unknown) => unavailable(error));
        if (!result.ok && result.error.code === "unavailable") {
          // Whatever waited behind a failed call fails too: sending it now would sequence it before the retry.
          const behind = this.queues.get(conversationId);
          this.queues.delete(conversationId);
          replies.push(...(behind?.replies ?? []));
        }
        replies.forEach((reply, i) => reply(result.ok ? { ok: true, value: result.value[i]! } : result));
      }
    } finally {
      this.busy.delete(conversationId);
    }
  }
}

/** The conversation could not be reached (overloaded, restarting): the client retries with the same clientMsgId. */
function unavailable(error: unknown): { ok: false; error: ChatError } {
  const detail = error instanceof Error ? error.message : String(error);
  return fail("unavailable", `conversation unavailable, retry with the same clientMsgId (${detail.slice(0, 120)})`);
}
