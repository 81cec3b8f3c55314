/**
 * What the Moderation object offers: Conversations file reports, the Worker reads them for an operator. There is one
 * such object, addressed by MODERATION_OBJECT: members report messages rarely (a fraction of a percent of messages at
 * most), so one queue in one place is what an operator reads, and it needs no merging of many objects' queues.
 */
import type {
  QueuedReport,
  Report,
  ReportPage,
  ReportQuery,
  ReportReceipt,
  ReportResolutionBody,
  Result,
} from "../../protocol/index.js";
import type { Remote } from "../rpc.js";

export const MODERATION_OBJECT = "reports";

export interface ModerationRpc {
  /**
   * Files a report, or answers the one already filed by the same reporter for the same message (`duplicate`):
   * a retried report never files a second one.
   */
  file(report: Report): Promise<Result<FiledReport>>;
  /** The report this reporter filed of this message, as a repeat's receipt (`duplicate`); null when none is held. */
  filed(conversationId: string, seq: number, reporterId: string): Result<ReportReceipt | null>;
  /** Reports after the cursor `after`, oldest first, of the status asked. */
  list(query: ReportQuery): Result<ReportPage>;
  /** An operator's decision on a report; the first one stands. `not_found` for a report not (or no longer) held. */
  resolve(id: string, resolution: ReportResolutionBody): Promise<Result<QueuedReport>>;
}

export interface FiledReport {
  report: Report;
  duplicate: boolean;
}

/** The part of the MODERATION binding callers use (generic in the id, so modules type-check outside the runtime too). */
export interface ModerationNamespace<Id> {
  idFromName(name: string): Id;
  get(id: Id): Remote<ModerationRpc>;
}

export function moderationDesk<Id>(namespace: ModerationNamespace<Id>): Remote<ModerationRpc> {
  return namespace.get(namespace.idFromName(MODERATION_OBJECT));
}
