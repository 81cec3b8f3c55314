/**
 * The ceiling workers (bench/ceiling/) as a bench target. `room`: one broadcasting room object per conversation,
 * no users. `fanout`: the fan-out floor, a socket object per user and one RPC per member per message.
 */
import { stopOnExit } from "../cleanup.js";
import { startCeiling, type Ceiling } from "../ceiling/start.js";
import { workerdPid } from "../../test/support/edge.js";
import { runTag, type Incoming, type Prepared, type Target } from "./target.js";

export type CeilingKind = "room" | "fanout";

export async function ceilingTarget(kind: CeilingKind = "room"): Promise<Target> {
  const ceiling = await startCeiling();
  return new CeilingTarget(ceiling, workerdPid(), kind);
}

class CeilingTarget implements Target {
  readonly name = "ceiling" as const;
  readonly echoIsAck = true;
  readonly ackIsOwnCopy = false;

  private readonly forget: () => void;

  constructor(
    private readonly ceiling: Ceiling,
    readonly pid: number | null,
    private readonly kind: CeilingKind,
  ) {
    this.forget = stopOnExit(() => ceiling.stop());
  }

  async prepare(users: number, conversations: number[][]): Promise<Prepared> {
    const tag = runTag();
    const conversationIds = conversations.map((_, c) => `r${tag}-${c}`);
    const roomOf = new Array<string>(users);
    conversations.forEach((members, c) => members.forEach((u) => (roomOf[u] = conversationIds[c]!)));
    const wsUrl = this.ceiling.url.replace(/^http/, "ws");
    if (this.kind === "fanout") {
      const person = (user: number) => `p${tag}-u${user}`;
      await Promise.all(
        conversations.map((members, c) =>
          fetch(`${this.ceiling.url}/fanout/${conversationIds[c]}`, {
            method: "POST",
            body: JSON.stringify(members.map(person)),
          }),
        ),
      );
      return { conversationIds, socket: (user) => ({ url: `${wsUrl}/person/${person(user)}` }) };
    }
    // A user in no conversation gets a room of its own: one object per socket, as one UserSession per user.
    const room = (user: number): string => roomOf[user] ?? `r${tag}-u${user}`;
    return { conversationIds, socket: (user) => ({ url: `${wsUrl}/room/${room(user)}` }) };
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
