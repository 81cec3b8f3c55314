/**
 * A report of a message, as the reporter's session admits it: the reporter is in the conversation, and within its
 * daily allowance of reports, which is charged before the conversation is asked (two reports at once cannot both pass
 * the last unit) and given back when the report is refused or was filed before: only a report filed now counts. Past
 * the allowance a repeat still gets its first report's receipt, so a client that lost an answer can always retry.
 */
import {
  failWith,
  NOT_A_MEMBER,
  ok,
  type ReportReceipt,
  type ReportRequest,
  type Result,
} from "../../protocol/index.js";
import type { ConversationRpc, Remote } from "../rpc.js";
import type { Conversations } from "./conversations.js";
import type { DailyQuota } from "./quota.js";

const REPORT_KIND = "report";

export interface ReportDesk {
  userId: string;
  conversations: Pick<Conversations, "membersOf">;
  quota: Pick<DailyQuota, "takeAll" | "refund">;
  reportsPerDay: number;
  conversation(id: string): Remote<ConversationRpc>;
  /** The moderation queue's receipt of a report this user filed of that message, if it holds one. */
  filedBefore(conversationId: string, seq: number): Promise<Result<ReportReceipt | null>>;
}

export async function reportMessage(
  desk: ReportDesk,
  conversationId: string,
  { seq, reason, note }: ReportRequest,
  now = Date.now(),
): Promise<Result<ReportReceipt>> {
  if (!desk.conversations.membersOf(conversationId)) return failWith(NOT_A_MEMBER);
  const charge = { kind: REPORT_KIND, limit: desk.reportsPerDay, amount: 1, what: "reports" };
  const admitted = desk.quota.takeAll([charge], now);
  if (!admitted.ok) {
    const repeat = await desk.filedBefore(conversationId, seq);
    return repeat.ok && repeat.value ? ok(repeat.value) : admitted;
  }
  let filed: Result<ReportReceipt> | undefined;
  try {
    filed = await desk.conversation(conversationId).report(desk.userId, seq, reason, note);
    return filed;
  } finally {
    if (!filed?.ok || filed.value.duplicate) desk.quota.refund(REPORT_KIND, 1, now);
  }
}
