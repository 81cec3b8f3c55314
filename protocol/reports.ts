/**
 * Reports: a member reports a message of a conversation with a reason; the report carries the message and the
 * messages before it as the conversation has them, and goes to a moderation queue an operator reads (docs/protocol.md,
 * "Reports"). The body a member posts, the report itself (as the edge files it and origin takes it), and the
 * operator's page of reports.
 */
import { z } from "zod";
import { attachments } from "./attachments.js";
import { fail, ok, type ChatError, type Result } from "./errors.js";
import { optionalInt } from "./http.js";
import { systemEvent } from "./safety.js";
import type { Message } from "./message.js";
import * as f from "./schema.js";

export const REPORT_REASONS = ["spam", "abuse", "harassment", "illegal", "other"] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export const MAX_REPORT_NOTE = 500;
/** How many messages before the reported one a report carries, at most. */
export const REPORT_CONTEXT = 10;
/**
 * A report's JSON is at most this long: the context's oldest messages are left out until it fits. A message with its
 * attachment references takes at most ~60 KB as JSON, so eleven could pass the 512 KiB an ingest body holds; this
 * leaves room for the reported message whatever its size, and origin gets every report in one body.
 */
export const MAX_REPORT_BYTES = 256 * 1024;
export const REPORT_PAGE_DEFAULT = 50;
export const REPORT_PAGE_MAX = 100;

/** `POST /v1/conversations/:id/reports`. `block`: the reporter also blocks the message's sender. */
export const reportBody = z.object({
  seq: f.seq.min(1),
  reason: z.enum(REPORT_REASONS),
  note: f.text.max(MAX_REPORT_NOTE, `must be at most ${MAX_REPORT_NOTE} chars`).optional(),
  block: z.boolean().optional(),
});
export type ReportBody = z.infer<typeof reportBody>;
/** What the reporter's session hands the conversation. */
export type ReportRequest = Omit<ReportBody, "block">;

/**
 * A message as a report carries it: in its current state (an edited body, reactions, the quote of what it answers),
 * or in the context a change of the group (`system`, an empty body); never an action's entry. Origin checks this
 * shape; the edge built it from its own log.
 */
const reportedMessage = z.object({
  ...f.storedMessage,
  replyTo: z
    .object({
      seq: f.seq.min(1),
      senderId: f.userId.optional(),
      snippet: f.text.optional(),
      deleted: z.literal(true).optional(),
    })
    .optional(),
  editedAt: f.time.optional(),
  deleted: z.literal(true).optional(),
  reactions: z.array(z.object({ emoji: f.emoji, count: z.number().int().min(0), users: z.array(f.userId) })).optional(),
  attachments: attachments.optional(),
  system: systemEvent.optional(),
});

export const REPORT_ID = /^[0-9a-f-]{36}$/;

/** A report as the edge files it and origin's `report` event carries it (with `kind`). */
export const report = z.object({
  id: z.string().regex(REPORT_ID, "must be a UUID"),
  conversationId: f.conversationId,
  reporterId: f.userId,
  /** The reported message's sender. */
  reportedUserId: f.userId,
  seq: f.seq.min(1),
  reason: z.enum(REPORT_REASONS),
  note: f.text.max(MAX_REPORT_NOTE).optional(),
  at: f.time,
  message: reportedMessage,
  /**
   * Up to REPORT_CONTEXT entries before it that the reporter sees, ascending by seq: messages and the group's changes
   * (actions left out: their effect is in the messages).
   */
  context: z.array(reportedMessage).max(REPORT_CONTEXT),
});

export interface Report {
  id: string;
  conversationId: string;
  reporterId: string;
  reportedUserId: string;
  seq: number;
  reason: ReportReason;
  note?: string;
  at: number;
  message: Message;
  context: Message[];
}

/** The reporter's answer: `201` filed, `200` with `duplicate` when the reporter had reported this message already. */
export interface ReportReceipt {
  id: string;
  reportedUserId: string;
  at: number;
  duplicate: boolean;
}

export function receiptOf({ id, reportedUserId, at }: Report, duplicate: boolean): ReportReceipt {
  return { id, reportedUserId, at, duplicate };
}

/** What an operator decided about a report: nothing to do, or something done (a ban, a removal: outside the queue). */
export const REPORT_OUTCOMES = ["dismissed", "actioned"] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** `POST /v1/moderation/reports/:id/resolution`. */
export const reportResolutionBody = z.object({
  outcome: z.enum(REPORT_OUTCOMES),
  note: f.text.max(MAX_REPORT_NOTE, `must be at most ${MAX_REPORT_NOTE} chars`).optional(),
});
export type ReportResolutionBody = z.infer<typeof reportResolutionBody>;

export interface ReportResolution extends ReportResolutionBody {
  at: number;
}

/** A report as the queue holds it: once an operator resolved it, with the resolution. */
export interface QueuedReport extends Report {
  resolution?: ReportResolution;
}

/**
 * `GET /v1/moderation/reports`: reports oldest first. `next` is the cursor to ask `after` next (the last report's, or
 * the one asked with when there is none); `hasMore` says more reports are there already.
 */
export interface ReportPage {
  reports: QueuedReport[];
  next: string;
  hasMore: boolean;
}

/** Which reports a page lists: the queue still to review (`open`), the ones resolved, or both. */
export const REPORT_STATUSES = ["open", "resolved", "all"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export interface ReportQuery {
  after: number;
  limit: number;
  status: ReportStatus;
}

/** `?after=<cursor>&limit=` 1–100 (default 50)`&status=` (default `open`); no cursor: from the first report. */
export function parseReportQuery(query: Record<string, string | undefined>): Result<ReportQuery> {
  const after = optionalInt(query.after, "after", 0);
  if (!after.ok) return after;
  const limit = optionalInt(query.limit, "limit", 1, REPORT_PAGE_MAX);
  if (!limit.ok) return limit;
  const status = query.status ?? "open";
  if (!(REPORT_STATUSES as readonly string[]).includes(status))
    return fail("bad_request", `status must be one of ${REPORT_STATUSES.join(", ")}`);
  return ok({ after: after.value ?? 0, limit: limit.value ?? REPORT_PAGE_DEFAULT, status: status as ReportStatus });
}

/** A resolution for a report the queue does not hold: never filed, or past its retention. */
export const NO_SUCH_REPORT: ChatError = { code: "not_found", message: "no such report" };

/** A report refused before anything is filed: its own message is no one's to report. */
export const OWN_MESSAGE: ChatError = { code: "bad_request", message: "you cannot report your own message" };
