/** HTTP request bodies and queries of the edge API, validated once where they enter. */
import { z } from "zod";
import { BODY_TOO_LARGE, fail, ok, failWith, type Result } from "./errors.js";
import {
  fitsBodyLimit,
  HISTORY_PAGE_DEFAULT,
  HISTORY_PAGE_MAX,
  MAX_PRESENCE_QUERY,
  MAX_TITLE_LENGTH,
  USER_ID,
} from "./limits.js";
import { attachments } from "./attachments.js";
import { HISTORY_VISIBILITIES } from "./safety.js";
import * as f from "./schema.js";

export const devTokenBody = z.object({ userId: f.userId });

export const createConversationBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("direct"), peer: f.userId }),
  z.object({
    kind: z.literal("group"),
    members: z.array(f.userId).max(100_000),
    title: f.text.trim().max(MAX_TITLE_LENGTH).optional(),
    history: z.enum(HISTORY_VISIBILITIES).optional(),
  }),
]);
export type CreateConversation = z.infer<typeof createConversationBody>;

export const sendMessageBody = z
  .object({
    clientMsgId: f.clientMsgId,
    body: f.messageText,
    replyTo: f.seq.min(1).optional(),
    attachments: attachments.optional(),
  })
  .refine(f.hasContent, f.NO_CONTENT);
export type SendMessage = z.infer<typeof sendMessageBody>;

/** `POST /v1/conversations/:id/actions`: what the `edit`, `delete` and `react` frames ask, over HTTP. */
export const actionBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("edit"), clientMsgId: f.clientMsgId, seq: f.seq.min(1), body: f.body }),
  z.object({ kind: z.literal("delete"), clientMsgId: f.clientMsgId, seq: f.seq.min(1) }),
  z.object({
    kind: z.literal("react"),
    clientMsgId: f.clientMsgId,
    seq: f.seq.min(1),
    emoji: f.emoji,
    on: z.boolean(),
  }),
]);
export type ActionBody = z.infer<typeof actionBody>;

export const pushSubscriptionBody = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(256) }),
});
export type PushSubscription = z.infer<typeof pushSubscriptionBody>;

/** Parses a JSON body against a schema; oversized message bodies answer too_large. */
export function parseBody<T>(schema: z.ZodType<T>, data: unknown): Result<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) return fail("bad_request", f.describeIssues(parsed.error));
  const body = (parsed.data as { body?: unknown }).body;
  if (typeof body === "string" && !fitsBodyLimit(body)) return failWith(BODY_TOO_LARGE);
  return ok(parsed.data);
}

export type HistoryQuery = { before?: number; after?: number; limit: number };

/** `?before=<seq>` or `?after=<seq>` (not both), `&limit=` 1–100 (default 50). */
export function parseHistoryQuery(query: Record<string, string | undefined>): Result<HistoryQuery> {
  const before = optionalInt(query.before, "before", 0);
  const after = optionalInt(query.after, "after", 0);
  const limit = optionalInt(query.limit, "limit", 1, HISTORY_PAGE_MAX);
  for (const r of [before, after, limit]) if (!r.ok) return r;
  if (before.ok && after.ok && before.value !== undefined && after.value !== undefined) {
    return fail("bad_request", "use either before or after, not both");
  }
  const page: HistoryQuery = { limit: (limit.ok && limit.value) || HISTORY_PAGE_DEFAULT };
  if (before.ok && before.value !== undefined) page.before = before.value;
  if (after.ok && after.value !== undefined) page.after = after.value;
  return ok(page);
}

/** `?users=a,b,c`: 1 to 100 distinct valid user ids. */
export function parsePresenceQuery(users: string | undefined): Result<string[]> {
  if (!users) return fail("bad_request", "users: list 1 to 100 user ids, comma-separated");
  const list = [...new Set(users.split(",").filter((u) => u.length > 0))];
  if (list.length === 0 || list.length > MAX_PRESENCE_QUERY)
    return fail("bad_request", `users: list 1 to ${MAX_PRESENCE_QUERY} user ids`);
  const bad = list.find((u) => !USER_ID.test(u));
  return bad === undefined
    ? ok(list)
    : fail("bad_request", `users: invalid user id ${JSON.stringify(bad.slice(0, 70))}`);
}

export function optionalInt(
  raw: string | undefined,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): Result<number | undefined> {
  if (raw === undefined || raw === "") return ok(undefined);
  if (!/^\d{1,16}$/.test(raw)) return fail("bad_request", `${name}: must be a whole number`);
  const value = Number(raw);
  if (value < min || value > max) return fail("bad_request", `${name}: must be between ${min} and ${max}`);
  return ok(value);
}
