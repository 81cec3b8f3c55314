/**
 * Attaching conversations: asking each where it is, which also makes it push to this session again (a conversation
 * stops pushing to a session that had no device). Done for the conversations this session is not sure of when the
 * first device connects, when a device syncs, and before the conversation list is answered; one call per
 * conversation in flight, so a sync right after a connect does not ask the same one twice.
 */
import type { Result } from "../../protocol/index.js";
import type { ConversationPosition } from "../rpc.js";
import { log } from "../shared/log.js";
import { SingleFlight } from "../shared/single-flight.js";
import type { SessionHost } from "./host.js";

/** Conversations asked at once. */
const CONCURRENCY = 16;

export class Attachments {
  private readonly inFlight = new SingleFlight<void>();

  constructor(private readonly host: Pick<SessionHost, "userId" | "epoch" | "conversations" | "conversation">) {}

  async attachAll(ids: string[]): Promise<void> {
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.attach(id);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    // What they answered is saved in one row, so the next wake does not ask them again.
    if (ids.length > 0) this.host.conversations.saveAll();
  }

  private attach(conversationId: string): Promise<void> {
    return this.inFlight.run(conversationId, () => this.attachOnce(conversationId));
  }

  private async attachOnce(conversationId: string): Promise<void> {
    const { host } = this;
    let result: Result<ConversationPosition>;
    try {
      result = await host.conversation(conversationId).attach(host.userId, host.epoch);
    } catch (error) {
      return log("warn", "UserSession", "attach_failed", { object: host.userId, conversationId, error });
    }
    // Not a member any more: the conversation tells this session so (info with active: false) when it can.
    if (result.ok) host.conversations.attached(conversationId, result.value.state);
  }
}
