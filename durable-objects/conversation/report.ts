/**
 * A member's report of a message: the Conversation builds it from its own log (the message and the messages before it,
 * in their current state) and files it with the Moderation object. A report holds what its reporter may see of the
 * history and nothing before (a group may show new members only what came after they joined). Refused, nothing is
 * filed: an entry this object does not keep as a message the reporter sees (unknown, pruned, an action's or a group
 * change's entry, deleted for everyone, before the reporter's history starts) is `not_found`, the reporter's own message
 * `bad_request`. The caller checked membership.
 */
import {
  fail,
  failWith,
  MAX_REPORT_BYTES,
  ok,
  OWN_MESSAGE,
  receiptOf,
  REPORT_CONTEXT,
  type Message,
  type Report,
  type ReportReceipt,
  type ReportRequest,
  type Result,
} from "../../protocol/index.js";
import type { ModerationRpc } from "../moderation/rpc.js";
import type { Remote } from "../rpc.js";
import { checkTarget } from "./actions.js";
import type { ConversationStore } from "./store.js";

type ReportSource = Pick<ConversationStore, "entry" | "history">;

/** Who reports, where, and the first seq of the history it sees there. */
export interface Reporter {
  userId: string;
  conversationId: string;
  visibleFrom: number;
}

export async function fileReport(
  store: ReportSource,
  moderation: Remote<ModerationRpc>,
  reporter: Reporter,
  request: ReportRequest,
  now = Date.now(),
): Promise<Result<ReportReceipt>> {
  const built = buildReport(store, reporter, request, now);
  if (!built.ok) return built;
  const filed = await moderation.file(built.value);
  if (!filed.ok) return filed;
  return ok(receiptOf(filed.value.report, filed.value.duplicate));
}

/**
 * The report, or why not. Its context is the entries before it that this object keeps and the reporter sees, as a
 * history page has them: messages in their current state (deleted ones `deleted` and empty) and the group's changes
 * (`system`), actions left out (their effect is in the messages); fewer when the report would outgrow
 * MAX_REPORT_BYTES.
 */
export function buildReport(
  store: ReportSource,
  { userId, conversationId, visibleFrom }: Reporter,
  { seq, reason, note }: ReportRequest,
  now: number,
): Result<Report> {
  if (seq < visibleFrom) return fail("not_found", `no message ${seq} in this conversation`);
  const target = checkTarget(store.entry(seq), seq);
  if (!target.ok) return target;
  if (target.value.senderId === userId) return failWith(OWN_MESSAGE);
  const message = store.history({ after: seq - 1, limit: 1 }).messages[0]!;
  const before = store.history({ before: seq, limit: REPORT_CONTEXT }).messages;
  const report: Report = {
    id: crypto.randomUUID(),
    conversationId,
    reporterId: userId,
    reportedUserId: message.senderId,
    seq,
    reason,
    ...(note ? { note } : {}),
    at: now,
    message,
    context: before.filter((m) => m.seq >= visibleFrom),
  };
  return ok(withinSize(report));
}

const encoder = new TextEncoder();

function withinSize(report: Report): Report {
  const context: Message[] = [...report.context];
  while (context.length > 0 && encoder.encode(JSON.stringify({ ...report, context })).length > MAX_REPORT_BYTES)
    context.shift();
  return { ...report, context };
}
