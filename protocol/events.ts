/**
 * Edge → origin events (`POST /v1/ingest`). The edge writes them into its outboxes; origin validates them
 * here before anything reaches Kafka or Redis.
 */
import { z } from "zod";
import { MAX_BODY_BYTES } from "./limits.js";
import * as f from "./schema.js";

export const MAX_INGEST_EVENTS = 1000;
export const PREVIEW_CHARS = 120;

export const messageEvent = z.object({
  kind: z.literal("message"),
  conversationId: f.conversationId,
  seq: f.seq.min(1),
  senderId: f.userId,
  clientMsgId: f.clientMsgId,
  body: f.body.max(MAX_BODY_BYTES),
  sentAt: f.time,
});

export const offlineEvent = z.object({
  kind: z.literal("offline"),
  userId: f.userId,
  conversationId: f.conversationId,
  seq: f.seq.min(1),
  senderId: f.userId,
  preview: z.string().max(PREVIEW_CHARS * 2),
  sentAt: f.time,
});

export const presenceEvent = z.object({
  kind: z.literal("presence"),
  userId: f.userId,
  online: z.boolean(),
  at: f.time,
});

export const originEvent = z.discriminatedUnion("kind", [messageEvent, offlineEvent, presenceEvent]);
export const ingestBody = z.object({ events: z.array(z.unknown()).min(1).max(MAX_INGEST_EVENTS) });

export type MessageEvent = z.infer<typeof messageEvent>;
export type OfflineEvent = z.infer<typeof offlineEvent>;
export type PresenceEvent = z.infer<typeof presenceEvent>;
export type OriginEvent = z.infer<typeof originEvent>;

/** The text a push notification shows: the body's first characters, never the whole message. */
export function previewOf(body: string): string {
  return body.length <= PREVIEW_CHARS ? body : `${body.slice(0, PREVIEW_CHARS - 1)}…`;
}

/** Signed request headers (protocol.md, "Edge → origin"; protocol/signature.ts). */
export const SIGNATURE_HEADER = "X-Chat-Signature";
export const TIMESTAMP_HEADER = "X-Chat-Timestamp";
/** 16 random bytes, hex: makes every signature single-use. */
export const NONCE_HEADER = "X-Chat-Nonce";
/** hex(SHA-256(body)), covered by the signature: the MAC is checked before the body is read. */
export const CONTENT_SHA256_HEADER = "X-Chat-Content-SHA256";
/** A timestamp further than this from the origin's clock is refused; inside it, a signature is accepted once. */
export const SIGNATURE_MAX_SKEW_MS = 5 * 60_000;
