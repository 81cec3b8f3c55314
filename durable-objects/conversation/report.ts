/**
 * A member's report of a message: the Conversation builds it from its own log (the message and the messages before it,
 * in their current state) and files it with the Moderation object. Refused, nothing is filed: an entry this object does
 * not keep as a message (unknown, pruned, an action's entry, deleted for everyone) is `not_found`, the reporter's own
 * message `bad_request`. The caller checked membership.
 */
import {
  failWith,
  MAX_REPORT_BYTES,
  ok,
  OWN_MESSAGE,
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

type ReportSource = Pick<ConversationStore, "info" | "entry" | "history">;

export async function fileReport(
  store: ReportSource,
  moderation: Remote<ModerationRpc>,
  reporterId: string,
  request: ReportRequest,
  now = Date.now(),
): Promise<Result<ReportReceipt>> {
  const built = buildReport(store, reporterId, request, now);
  if (!built.ok) return built;
  const filed = await moderation.file(built.value);
  if (!filed.ok) return filed;
  const { report, duplicate } = filed.value;
  return ok({ id: report.id, reportedUserId: report.reportedUserId, at: report.at, duplicate });
}

/**
 * The report, or why not. Its context is the messages before it that this object keeps (a history page's: actions
 * left out, deleted ones as they are, `deleted` and empty), fewer when the report would outgrow MAX_REPORT_BYTES.
 */
export function buildReport(
  store: ReportSource,
  reporterId: string,
  { seq, reason, note }: ReportRequest,
  now: number,
): Result<Report> {
  const target = checkTarget(store.entry(seq), seq);
  if (!target.ok) return target;
  if (target.value.senderId === reporterId) return failWith(OWN_MESSAGE);
  const message = store.history({ after: seq - 1, limit: 1 }).messages[0]!;
  const report: Report = {
    id: crypto.randomUUID(),
    conversationId: store.info!.id,
    reporterId,
    reportedUserId: message.senderId,
    seq,
    reason,
    ...(note ? { note } : {}),
    at: now,
    message,
    context: store.history({ before: seq, limit: REPORT_CONTEXT }).messages,
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
