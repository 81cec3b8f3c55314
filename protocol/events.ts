/**
 * Edge → origin events (`POST /v1/ingest`), protocol v2. A Conversation forwards its messages and, before the first
 * message after each membership change, a snapshot of its members; a UserSession reports presence transitions and
 * renews a lease while a device is connected; the Moderation object forwards members' reports of messages. Origin
 * validates them here before anything reaches Kafka or Redis, and derives offline push from messages, members and
 * presence itself.
 */
import { z } from "zod";
import { MAX_BODY_BYTES } from "./limits.js";
import { attachments } from "./attachments.js";
import { systemEvent } from "./safety.js";
import { report } from "./reports.js";
import * as f from "./schema.js";

export const MAX_INGEST_EVENTS = 1000;
/**
 * The largest body of an edge → origin request. The edge cuts its outbox batches (up to 500 events) by bytes to stay
 * under it (protocol/ingest-batch.ts); one event of the largest kind (a message of MAX_BODY_BYTES, JSON-escaped:
 * ~25 KB) always fits many times over, and a full batch of ordinary messages (~300 bytes each) fits whole. Origin
 * refuses a longer body before reading it (413), so nobody with a fresh timestamp makes it read and HMAC megabytes
 * (1000 events of MAX_FRAME_BYTES would be 25.6 MB). Why not more: all of a body's messages may be one
 * conversation's, which Kafka writes as one record batch to one partition, and the broker's default
 * `message.max.bytes` (1 MiB) refuses a larger batch for good; with keys and record overhead (at most ~1.6× for the
 * smallest events with the longest ids) 512 KiB stays under it.
 */
export const MAX_INGEST_BYTES = 512 * 1024;
export const PREVIEW_CHARS = 120;

/**
 * A message as the conversation has it when it is forwarded: edited since (`editedAt`, the current body), or deleted
 * (`deleted`, an empty body: the text never reaches origin). Its reactions arrive as the `action`s that made them.
 */
export const messageEvent = z
  .object({
    kind: z.literal("message"),
    ...f.storedMessage,
    replyTo: f.seq.min(1).optional(),
    editedAt: f.time.optional(),
    deleted: z.literal(true).optional(),
    attachments: attachments.optional(),
    /** A change of the group: no body, no push; origin keeps it so its history pages show it. */
    system: systemEvent.optional(),
  })
  .refine(
    (m) => (m.deleted || m.system ? m.body === "" && !m.attachments : f.hasContent(m)),
    "body: empty exactly when the message is deleted, a change of the group, or has attachments",
  );

/**
 * An action on the message at `action.target`, in the conversation's stream like a message (its own seq): origin
 * applies it in seq order. An edit carries the target's body as the conversation had it when forwarding (empty if it
 * was deleted since: a later `delete` follows); a reaction's `on` sets or clears one user's emoji (`count` is for
 * devices, origin keeps the set).
 */
export const actionEvent = z.object({
  kind: z.literal("action"),
  conversationId: f.conversationId,
  seq: f.seq.min(1),
  senderId: f.userId,
  clientMsgId: f.clientMsgId,
  sentAt: f.time,
  action: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("edit"),
      target: f.seq.min(1),
      body: f.text.max(MAX_BODY_BYTES),
      editedAt: f.time,
    }),
    z.object({ kind: z.literal("delete"), target: f.seq.min(1) }),
    z.object({
      kind: z.literal("react"),
      target: f.seq.min(1),
      emoji: f.emoji,
      on: z.boolean(),
      count: z.number().int().min(0),
    }),
  ]),
});

/** The group size limit's upper bound: a members snapshot lists at most this many. */
export const MAX_MEMBERS_EVENT = 10_000;

/**
 * A conversation's members as of `version` (which only grows: membership and mutes both raise it), sent in the
 * conversation's ordered stream before any message sequenced after the change: origin's push knows whom a message is
 * for, and whom not to wake.
 */
export const membersEvent = z.object({
  kind: z.literal("members"),
  conversationId: f.conversationId,
  version: z.number().int().min(1),
  members: z.array(f.userId).max(MAX_MEMBERS_EVENT),
  at: f.time,
  /** Members who muted the conversation, until when (ms): origin sends them no push meanwhile. */
  muted: z.record(f.userId, f.time).optional(),
});

/** Presence leases are renewed at most this long ahead: a user whose edge died is offline within a lease. */
export const MAX_PRESENCE_LEASE_MS = 3_600_000;

/**
 * `online` when the user's first device connects and then as a lease renewed while one stays (`leaseMs`: how long the
 * user counts as online without another renewal); `online: false` when the last one goes.
 */
export const presenceEvent = z.object({
  kind: z.literal("presence"),
  userId: f.userId,
  online: z.boolean(),
  at: f.time,
  leaseMs: z.number().int().min(1_000).max(MAX_PRESENCE_LEASE_MS).optional(),
});

/**
 * A member's report of a message, from the edge's moderation queue (durable-objects/moderation.ts): origin writes it to
 * its reports topic for operators, keyed by conversation. Nothing else at origin reads it.
 */
export const reportEvent = report.extend({ kind: z.literal("report") });

export const originEvent = z.discriminatedUnion("kind", [
  messageEvent,
  actionEvent,
  membersEvent,
  presenceEvent,
  reportEvent,
]);
export const ingestBody = z.object({ events: z.array(z.unknown()).min(1).max(MAX_INGEST_EVENTS) });

export type MessageEvent = z.infer<typeof messageEvent>;
export type ActionEvent = z.infer<typeof actionEvent>;
export type MembersEvent = z.infer<typeof membersEvent>;
export type PresenceEvent = z.infer<typeof presenceEvent>;
export type ReportEvent = z.infer<typeof reportEvent>;
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
