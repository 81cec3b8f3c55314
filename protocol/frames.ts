/**
 * WebSocket frames of protocol v2 (docs/protocol.md). Client frames are validated here, once, at the edge of the
 * system; server frames are plain types the edge builds itself.
 */
import { z } from "zod";
import { MAX_HIDE_SEQS } from "./actions.js";
import { attachments } from "./attachments.js";
import { BODY_TOO_LARGE, type ChatError, type ErrorCode } from "./errors.js";
import { FETCH_PAGE_MAX, fitsBodyLimit, MAX_FRAME_BYTES } from "./limits.js";
import type { ConversationState, Message, SendResult } from "./message.js";
import * as f from "./schema.js";

/** A message; `replyTo` quotes an earlier one; with attachments its body may be empty. */
const sendFrame = z
  .object({
    type: z.literal("send"),
    clientMsgId: f.clientMsgId,
    conversationId: f.conversationId,
    body: f.messageText,
    replyTo: f.seq.min(1).optional(),
    attachments: attachments.optional(),
  })
  .refine(f.hasContent, f.NO_CONTENT);
/** Actions on the message at `seq`; each is an entry of the log with its own clientMsgId, answered like a send. */
const editFrame = z.object({
  type: z.literal("edit"),
  clientMsgId: f.clientMsgId,
  conversationId: f.conversationId,
  seq: f.seq.min(1),
  body: f.body,
});
/** Deletes a message for everyone. */
const deleteFrame = z.object({
  type: z.literal("delete"),
  clientMsgId: f.clientMsgId,
  conversationId: f.conversationId,
  seq: f.seq.min(1),
});
const reactFrame = z.object({
  type: z.literal("react"),
  clientMsgId: f.clientMsgId,
  conversationId: f.conversationId,
  seq: f.seq.min(1),
  emoji: f.emoji,
  on: z.boolean(),
});
/** Deletes messages for this user only: hidden on its devices, nobody else is told. */
const hideFrame = z.object({
  type: z.literal("hide"),
  conversationId: f.conversationId,
  seqs: z.array(f.seq.min(1)).min(1).max(MAX_HIDE_SEQS),
});
/** Asks what changed since `since` (the `at` of an earlier `synced`; absent: every conversation). */
const syncFrame = z.object({ type: z.literal("sync"), since: f.time.optional() });
/** Asks for a conversation's messages after `after`, a page at a time. */
const fetchFrame = z.object({
  type: z.literal("fetch"),
  conversationId: f.conversationId,
  after: f.seq,
  limit: z.number().int().min(1).max(FETCH_PAGE_MAX).optional(),
});
const readFrame = z.object({ type: z.literal("read"), conversationId: f.conversationId, seq: f.seq });
/** The conversation this device shows on a visible screen (null: none): what arrives there is read. */
const focusFrame = z.object({ type: z.literal("focus"), conversationId: f.conversationId.nullable() });
const typingFrame = z.object({ type: z.literal("typing"), conversationId: f.conversationId });
/** Keeps the user's presence at origin alive (every `heartbeatMs` of `hello`, when that is not 0). */
const aliveFrame = z.object({ type: z.literal("alive") });
const pingFrame = z.object({ type: z.literal("ping") });

const clientFrame = z.discriminatedUnion("type", [
  sendFrame,
  editFrame,
  deleteFrame,
  reactFrame,
  hideFrame,
  syncFrame,
  fetchFrame,
  readFrame,
  focusFrame,
  typingFrame,
  aliveFrame,
  pingFrame,
]);

export type ClientFrame = z.infer<typeof clientFrame>;
export type SendFrame = z.infer<typeof sendFrame>;
/** The frames that append an entry to a conversation's log, answered with `ack` or an error with their clientMsgId. */
export type LogFrame = Extract<ClientFrame, { clientMsgId: string }>;
export type ClientFrameType = ClientFrame["type"];
/** The client frame of one type: `ClientFrameOf<"fetch">`. */
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;
const FRAME_TYPES = new Set<string>(clientFrame.options.map((o) => o.shape.type.value));

export type FrameParse = { ok: true; frame: ClientFrame } | { ok: false; error: ChatError; clientMsgId?: string };

/** Parses one raw frame. Never throws: every failure becomes the error the client is sent. */
export function parseClientFrame(raw: string | ArrayBuffer): FrameParse {
  if (typeof raw !== "string") return refuse("bad_request", "frames are JSON text, not binary");
  if (raw.length > MAX_FRAME_BYTES) return refuse("too_large", `frame exceeds ${MAX_FRAME_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return refuse("bad_request", "frame is not valid JSON");
  }
  const clientMsgId = echoedClientMsgId(data);
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return refuse("bad_request", "frame must be a JSON object", clientMsgId);
  const type = (data as { type?: unknown }).type;
  if (typeof type !== "string" || !FRAME_TYPES.has(type))
    return refuse("bad_request", `unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}`, clientMsgId);
  const parsed = clientFrame.safeParse(data);
  if (!parsed.success) return refuse("bad_request", f.describeIssues(parsed.error), clientMsgId);
  const frame = parsed.data;
  if ((frame.type === "send" || frame.type === "edit") && !fitsBodyLimit(frame.body)) {
    return refuse(BODY_TOO_LARGE.code, BODY_TOO_LARGE.message, clientMsgId);
  }
  return { ok: true, frame };
}

function refuse(code: ErrorCode, message: string, clientMsgId?: string): FrameParse {
  return clientMsgId === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message }, clientMsgId };
}

/** An error caused by a send carries the frame's clientMsgId, even when the frame was otherwise invalid. */
function echoedClientMsgId(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const id = (data as { clientMsgId?: unknown }).clientMsgId;
  return typeof id === "string" && id.length <= 256 ? id : undefined;
}

// Server → client frames.
/**
 * `heartbeatMs`: how often to send `alive` (0: never; the edge has no origin to keep presence at). `editWindowMs`: how
 * long after sending a message its sender may edit it.
 */
export interface HelloFrame {
  type: "hello";
  protocol: 2;
  userId: string;
  deviceId: string;
  serverTime: number;
  heartbeatMs: number;
  editWindowMs: number;
}
export interface MessageFrame extends Message {
  type: "message";
}
/**
 * A send's or an action's acknowledgement, after it is durable (an action's says what it did, a reply's its quote). In a direct conversation whose other member has a device
 * connected it waits (briefly) for the delivery, and says how far that member has the conversation delivered and read.
 */
export interface AckFrame extends SendResult {
  type: "ack";
  clientMsgId: string;
  conversationId: string;
}
/** Conversations that changed since the `sync`'s `since`: their newest seq, this user's read watermark, membership. */
export interface StateFrame {
  type: "state";
  conversations: ConversationState[];
}
/** The end of a `sync`'s answer; `at` is the `since` of the next sync. */
export interface SyncedFrame {
  type: "synced";
  at: number;
}
/**
 * The end of a `fetch`'s messages: they covered (after, through]; `more` when messages after `through` remain;
 * `resync` when `after` is older than what is kept (the device starts over from history).
 */
export interface FetchedFrame {
  type: "fetched";
  conversationId: string;
  after: number;
  through: number;
  lastSeq: number;
  more: boolean;
  resync?: true;
}
/**
 * Receipts. With `userId`: that member's watermarks (in a direct conversation the other member; the user's own read
 * on its other devices). Without: the group's aggregate, every other member has delivered / read up to there.
 */
export interface ReceiptFrame {
  type: "receipt";
  conversationId: string;
  userId?: string;
  deliveredSeq?: number;
  readSeq?: number;
}
export interface TypingFrame {
  type: "typing";
  conversationId: string;
  userId: string;
}
/** Messages the user deleted for itself (`hide`), on all its devices; also in a `sync`'s answer when they changed. */
export interface HiddenFrame {
  type: "hidden";
  conversationId: string;
  seqs: number[];
}
/** The user was added, the members or title changed, or (`active: false`) the user was removed. */
export interface ConversationFrame {
  type: "conversation";
  conversation: ConversationState;
}
export interface PongFrame {
  type: "pong";
}
export interface ErrorFrame extends ChatError {
  type: "error";
  clientMsgId?: string;
  conversationId?: string;
}

export type ServerFrame =
  | HelloFrame
  | MessageFrame
  | AckFrame
  | StateFrame
  | SyncedFrame
  | FetchedFrame
  | ReceiptFrame
  | TypingFrame
  | HiddenFrame
  | ConversationFrame
  | PongFrame
  | ErrorFrame;

export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';
