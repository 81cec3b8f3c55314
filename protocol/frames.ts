/**
 * WebSocket frames of protocol v1. Client frames are validated here, once, at the edge of the system;
 * server frames are plain types the edge builds itself.
 */
import { z } from "zod";
import { type ChatError, type ErrorCode } from "./errors.js";
import { fitsBodyLimit, MAX_BODY_BYTES, MAX_FRAME_BYTES, SYNC_PAGE_MAX } from "./limits.js";
import type { ConversationInfo, Message } from "./message.js";
import * as f from "./schema.js";

const sendFrame = z.object({
  type: z.literal("send"),
  clientMsgId: f.clientMsgId,
  conversationId: f.conversationId,
  body: f.body,
});
const syncFrame = z.object({
  type: z.literal("sync"),
  after: f.seq,
  limit: z.number().int().min(1).max(SYNC_PAGE_MAX).optional(),
});
const receivedFrame = z.object({ type: z.literal("received"), cursor: f.seq });
const readFrame = z.object({ type: z.literal("read"), conversationId: f.conversationId, seq: f.seq });
const typingFrame = z.object({ type: z.literal("typing"), conversationId: f.conversationId });
const pingFrame = z.object({ type: z.literal("ping") });

const clientFrame = z.discriminatedUnion("type", [sendFrame, syncFrame, receivedFrame, readFrame, typingFrame, pingFrame]);

export type ClientFrame = z.infer<typeof clientFrame>;
export type SendFrame = z.infer<typeof sendFrame>;
export type ClientFrameType = ClientFrame["type"];
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
  if (typeof data !== "object" || data === null || Array.isArray(data)) return refuse("bad_request", "frame must be a JSON object", clientMsgId);
  const type = (data as { type?: unknown }).type;
  if (typeof type !== "string" || !FRAME_TYPES.has(type)) return refuse("bad_request", `unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}`, clientMsgId);
  const parsed = clientFrame.safeParse(data);
  if (!parsed.success) return refuse("bad_request", f.describeIssues(parsed.error), clientMsgId);
  if (parsed.data.type === "send" && !fitsBodyLimit(parsed.data.body)) {
    return refuse("too_large", `body exceeds ${MAX_BODY_BYTES} bytes`, clientMsgId);
  }
  return { ok: true, frame: parsed.data };
}

function refuse(code: ErrorCode, message: string, clientMsgId?: string): FrameParse {
  return clientMsgId === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message }, clientMsgId };
}

/** An error caused by a send carries the frame's clientMsgId, even when the frame was otherwise invalid. */
function echoedClientMsgId(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const id = (data as { clientMsgId?: unknown }).clientMsgId;
  return typeof id === "string" && id.length <= 256 ? id : undefined;
}

// Server → client frames.
export interface HelloFrame { type: "hello"; userId: string; deviceId: string; cursor: number; serverTime: number }
export interface MessageFrame extends Message { type: "message"; cursor: number }
export interface AckFrame { type: "ack"; clientMsgId: string; conversationId: string; seq: number; sentAt: number; duplicate: boolean }
export interface SyncedFrame { type: "synced"; cursor: number; latest: number; more: boolean }
export interface ReceiptFrame { type: "receipt"; conversationId: string; userId: string; deliveredSeq?: number; readSeq?: number }
export interface TypingFrame { type: "typing"; conversationId: string; userId: string }
/** `active: false` tells a user it was removed from the conversation. */
export interface ConversationFrame { type: "conversation"; conversation: ConversationInfo & { lastSeq: number; active: boolean } }
export interface PongFrame { type: "pong" }
export interface ErrorFrame extends ChatError { type: "error"; clientMsgId?: string }

export type ServerFrame =
  | HelloFrame | MessageFrame | AckFrame | SyncedFrame | ReceiptFrame | TypingFrame | ConversationFrame | PongFrame | ErrorFrame;

export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';
