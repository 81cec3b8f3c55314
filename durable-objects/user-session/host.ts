/**
 * What the frame handlers (frames/) and the delivery of pushes (deliver.ts) see of their UserSession: its state and a
 * few capabilities, and nothing of the runtime's object. Each handler takes the part it uses (`Pick<SessionHost, …>`),
 * as the capability classes of cloudflare/agents see only a narrow host.
 */
import type { ConversationRpc, Remote } from "../rpc.js";
import type { Blocks } from "./blocks.js";
import type { Conversations } from "./conversations.js";
import type { Hidden } from "./hidden.js";
import type { PresenceReporter } from "./presence.js";
import type { UserLimits } from "./rate-limit.js";
import type { SendQueue } from "./send-queue.js";
import type { Uploads } from "./uploads.js";

export interface SessionHost {
  /** The user this session belongs to. */
  readonly userId: string;
  /** Bumped (and saved) each time the first device connects: orders this session's answers to Conversations. */
  readonly epoch: number;
  /** The user's conversations: membership, and how far each device was handed each and read it. */
  readonly conversations: Conversations;
  /** Whom the user blocked. */
  readonly blocks: Pick<Blocks, "has" | "list">;
  /** The messages the user deleted for itself. */
  readonly hidden: Hidden;
  readonly limits: UserLimits;
  readonly presence: PresenceReporter;
  /** Sends wait here behind their conversation's call in flight. */
  readonly queue: SendQueue;
  /** The user's attachment uploads: a message's references are checked against them. */
  readonly uploads: Pick<Uploads, "find" | "sending" | "referenced" | "refused">;
  /** When a typing frame was last relayed, per conversation. */
  readonly typingSentAt: Map<string, number>;
  /** The user's device sockets, all but `except`. */
  sockets(except?: WebSocket | null): WebSocket[];
  conversation(id: string): Remote<ConversationRpc>;
  /** Asks these conversations where they are (and to push to this session again), a few at a time. */
  attachAll(ids: string[]): Promise<void>;
}
