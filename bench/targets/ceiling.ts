/** The ceiling broadcast worker (bench/ceiling/) as a bench target: one room per conversation, no users. */
import { stopOnExit } from "../cleanup.js";
import { startCeiling, type Ceiling } from "../ceiling/start.js";
import { workerdPid } from "../../test/support/edge.js";
import { runTag, type Incoming, type Prepared, type Target } from "./target.js";

export async function ceilingTarget(): Promise<Target> {
  const ceiling = await startCeiling();
  return new CeilingTarget(ceiling, workerdPid());
}

class CeilingTarget implements Target {
  readonly name = "ceiling" as const;
  readonly echoIsAck = true;

  private readonly forget: () => void;

  constructor(private readonly ceiling: Ceiling, readonly pid: number | null) {
    this.forget = stopOnExit(() => ceiling.stop());
  }

  async prepare(users: number, conversations: number[][]): Promise<Prepared> {
    const tag = runTag();
    const conversationIds = conversations.map((_, c) => `r${tag}-${c}`);
    const roomOf = new Array<string>(users);
    conversations.forEach((members, c) => members.forEach((u) => (roomOf[u] = conversationIds[c]!)));
    const wsUrl = this.ceiling.url.replace(/^http/, "ws");
    // A user in no conversation gets a room of its own: one object per socket, as one UserSession per user.
    const room = (user: number): string => roomOf[user] ?? `r${tag}-u${user}`;
    return { conversationIds, socket: (user) => ({ url: `${wsUrl}/room/${room(user)}` }), helloCursor: () => undefined };
  }

  /** Every frame is some device's `send` frame, relayed as is. */
  parse(text: string): Incoming {
    const frame = JSON.parse(text) as { type?: string; clientMsgId?: string; conversationId?: string };
    if (frame.type !== "send" || !frame.clientMsgId || !frame.conversationId) return { kind: "other" };
    return { kind: "message", frame: { clientMsgId: frame.clientMsgId, conversationId: frame.conversationId } };
  }

  stop(): Promise<void> {
    this.forget();
    return this.ceiling.stop();
  }
}
