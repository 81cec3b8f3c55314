/**
 * A system the bench drives: our edge, or the ceiling broadcast worker. Both speak WebSocket JSON frames and
 * take the same `send` frame; they differ in how users, conversations and acknowledgements look on the wire.
 */
import type WebSocket from "ws";
import type { Delivered } from "../load/tracker.js";

export type Incoming =
  | { kind: "message"; frame: Delivered }
  | { kind: "ack"; clientMsgId: string; conversationId: string }
  | { kind: "refused"; clientMsgId?: string; code: string }
  | { kind: "other" };

export interface Prepared {
  /** Conversation ids, in the order of the member lists given to `prepare`. */
  conversationIds: string[];
  /** Where and how one user's (only) device opens its WebSocket. */
  socket(user: number): SocketAddress;
  /** Resolves once a freshly opened socket is pushed to (the edge: after a sync, its conversations push again). */
  ready?(ws: WebSocket): Promise<void>;
}

export interface SocketAddress {
  url: string;
  headers?: Record<string, string>;
}

export interface Target {
  readonly name: "edge" | "ceiling";
  /** workerd's pid when this process started it (or `--pid` said it), for CPU and memory figures. */
  readonly pid: number | null;
  /** The sender's own copy of its message is its acknowledgement (the ceiling has no acks). */
  readonly echoIsAck: boolean;
  /** The acknowledgement is the sending device's copy (the edge pushes a message to the other devices only). */
  readonly ackIsOwnCopy: boolean;
  /** Creates `users` users and one conversation per member list (user indexes). */
  prepare(users: number, conversations: number[][]): Promise<Prepared>;
  parse(text: string): Incoming;
  stop(): Promise<void>;
}

/** A short random tag so that runs against a long-lived edge never reuse users or conversations. */
export function runTag(): string {
  return Math.random().toString(36).slice(2, 8);
}
