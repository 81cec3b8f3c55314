/**
 * The moderation queue's storage: one row per report, in the order filed (the row's position is the operator's
 * cursor), unique per (conversation, seq, reporter) so a repeated report finds the first. With an origin it is also
 * the outbox: reports after the `forwarded` watermark are sent on, and the watermark moves once origin confirmed them.
 * Rows are kept after forwarding: without an origin this is the only queue, and with one it is what the edge's own
 * route answers (reports are rare; docs/protocol.md, "Reports").
 */
import type { Report, ReportEvent, ReportPage, ReportQuery } from "../../protocol/index.js";
import type { Outbox } from "../shared/forwarder.js";
import type { Sql } from "../shared/sql.js";
import type { FiledReport } from "./rpc.js";

export const MODERATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS reports (
  pos INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reporter_id TEXT NOT NULL,
  report TEXT NOT NULL,
  UNIQUE (conversation_id, seq, reporter_id)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
`;

export class ReportStore {
  /** The newest report's position, and the newest origin confirmed. */
  private lastPos: number;
  private forwardedPos: number;

  constructor(private readonly sql: Sql) {
    sql.exec(MODERATION_SCHEMA);
    this.lastPos = Number(sql.exec("SELECT COALESCE(MAX(pos), 0) AS pos FROM reports").one().pos);
    const forwarded = sql.exec("SELECT value FROM meta WHERE key = 'forwarded'").toArray()[0];
    this.forwardedPos = forwarded ? Number(forwarded.value) : 0;
  }

  file(report: Report): FiledReport {
    const existing = this.sql
      .exec(
        "SELECT report FROM reports WHERE conversation_id = ? AND seq = ? AND reporter_id = ?",
        report.conversationId,
        report.seq,
        report.reporterId,
      )
      .toArray()[0];
    if (existing) return { report: JSON.parse(String(existing.report)) as Report, duplicate: true };
    this.lastPos++;
    this.sql.exec(
      "INSERT INTO reports (pos, conversation_id, seq, reporter_id, report) VALUES (?, ?, ?, ?, ?)",
      this.lastPos,
      report.conversationId,
      report.seq,
      report.reporterId,
      JSON.stringify(report),
    );
    return { report, duplicate: false };
  }

  page({ after, limit }: ReportQuery): ReportPage {
    const rows = this.after(after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      reports: page.map((row) => row.report),
      next: String(page.at(-1)?.pos ?? after),
      hasMore: rows.length > limit,
    };
  }

  /** Reports after the `forwarded` watermark, as origin's `report` events. */
  outbox(): Outbox {
    return {
      behind: () => this.forwardedPos < this.lastPos,
      next: (limit) => {
        const rows = this.after(this.forwardedPos, limit);
        const last = rows.at(-1)?.pos;
        if (last === undefined) return null;
        return {
          events: rows.map(({ report }): ReportEvent => ({ kind: "report", ...report })),
          commit: () => {
            this.forwardedPos = Math.max(this.forwardedPos, last);
            this.sql.exec(
              "INSERT INTO meta (key, value) VALUES ('forwarded', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
              this.forwardedPos,
            );
          },
        };
      },
    };
  }

  private after(pos: number, limit: number): { pos: number; report: Report }[] {
    return this.sql
      .exec("SELECT pos, report FROM reports WHERE pos > ? ORDER BY pos LIMIT ?", pos, limit)
      .toArray()
      .map((row) => ({ pos: Number(row.pos), report: JSON.parse(String(row.report)) as Report }));
  }
}
