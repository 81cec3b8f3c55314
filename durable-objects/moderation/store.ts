/**
 * The moderation queue's storage: one row per report, in the order filed (the row's position is the operator's
 * cursor), unique per (conversation, seq, reporter) so a repeated report finds the first. An operator's resolution is
 * kept on the row. With an origin it is also the outbox: reports after the `forwarded` watermark are sent on, and the
 * watermark moves once origin confirmed them. Rows are kept after forwarding (without an origin this is the only
 * queue, and with one it is what the edge's own route answers) until their retention ends: a report is deleted a
 * retention period after it last changed (filed, or resolved), and never before origin confirmed it. Reports are rare
 * (docs/protocol.md, "Reports"), so the daily sweep reads the table whole rather than keep an index of those times.
 */
import type {
  QueuedReport,
  Report,
  ReportEvent,
  ReportPage,
  ReportQuery,
  ReportResolution,
} from "../../protocol/index.js";
import type { Outbox } from "../shared/forwarder.js";
import { addMissingColumns, type Sql, type SqlRow } from "../shared/sql.js";
import type { FiledReport } from "./rpc.js";

export const MODERATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS reports (
  pos INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reporter_id TEXT NOT NULL,
  report TEXT NOT NULL,
  resolution TEXT,
  UNIQUE (conversation_id, seq, reporter_id)
);
CREATE INDEX IF NOT EXISTS reports_by_id ON reports (json_extract(report, '$.id'));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
`;

/** Added after the table's first version (in the statement above too). */
const ADDED_COLUMNS = ["resolution TEXT"];

/** A status as a condition on the row. */
const STATUS_FILTER = {
  open: "AND resolution IS NULL",
  resolved: "AND resolution IS NOT NULL",
  all: "",
} as const;

export class ReportStore {
  /** The newest position given, the newest origin confirmed, and the newest given before the last sweep. */
  private lastPos: number;
  private forwardedPos: number;
  private sweptPos: number;

  /**
   * A position is never given twice, even after the sweep deleted the newest rows: an operator's cursor or the
   * forwarding watermark past it would skip the report that took it again. So the sweep keeps the newest position it
   * had given (`swept` in `meta`).
   */
  constructor(private readonly sql: Sql) {
    sql.exec(MODERATION_SCHEMA);
    addMissingColumns(sql, "reports", ADDED_COLUMNS);
    const meta = new Map(
      sql
        .exec("SELECT key, value FROM meta WHERE key IN ('forwarded', 'swept')")
        .toArray()
        .map((row) => [String(row.key), Number(row.value)]),
    );
    this.forwardedPos = meta.get("forwarded") ?? 0;
    this.sweptPos = meta.get("swept") ?? 0;
    const newest = Number(sql.exec("SELECT COALESCE(MAX(pos), 0) AS pos FROM reports").one().pos);
    this.lastPos = Math.max(newest, this.sweptPos);
  }

  file(report: Report): FiledReport {
    const existing = this.find(report.conversationId, report.seq, report.reporterId);
    if (existing) return { report: existing, duplicate: true };
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

  /** The report this reporter filed of this message, if the queue holds it. */
  find(conversationId: string, seq: number, reporterId: string): Report | null {
    const row = this.sql
      .exec(
        "SELECT report FROM reports WHERE conversation_id = ? AND seq = ? AND reporter_id = ?",
        conversationId,
        seq,
        reporterId,
      )
      .toArray()[0];
    return row ? (JSON.parse(String(row.report)) as Report) : null;
  }

  page({ after, limit, status }: ReportQuery): ReportPage {
    const rows = this.sql
      .exec(
        `SELECT pos, report, resolution FROM reports WHERE pos > ? ${STATUS_FILTER[status]} ORDER BY pos LIMIT ?`,
        after,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    return {
      reports: page.map(queued),
      next: String(page.at(-1)?.pos ?? after),
      hasMore: rows.length > limit,
    };
  }

  /** The newest position origin confirmed. */
  get forwarded(): number {
    return this.forwardedPos;
  }

  /** The first resolution stands: resolving again answers the report as it was resolved. Null: no such report. */
  resolve(id: string, resolution: ReportResolution): QueuedReport | null {
    const row = this.sql
      .exec("SELECT pos, report, resolution FROM reports WHERE json_extract(report, '$.id') = ?", id)
      .toArray()[0];
    if (!row) return null;
    if (row.resolution !== null) return queued(row);
    this.sql.exec("UPDATE reports SET resolution = ? WHERE pos = ?", JSON.stringify(resolution), row.pos);
    return { ...(JSON.parse(String(row.report)) as Report), resolution };
  }

  /**
   * Deletes the reports whose last change (filed, or resolved) is before `before`, among those at or below
   * `forwardedUpTo` (origin has them). Answers how many remain.
   */
  sweep(before: number, forwardedUpTo: number): number {
    if (this.sweptPos < this.lastPos) {
      this.sweptPos = this.lastPos;
      this.setMeta("swept", this.sweptPos);
    }
    this.sql.exec(
      `DELETE FROM reports WHERE pos <= ?
         AND COALESCE(json_extract(resolution, '$.at'), json_extract(report, '$.at')) < ?`,
      forwardedUpTo,
      before,
    );
    return Number(this.sql.exec("SELECT COUNT(*) AS n FROM reports").one().n);
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
            this.setMeta("forwarded", this.forwardedPos);
          },
        };
      },
    };
  }

  private setMeta(key: string, value: number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  private after(pos: number, limit: number): { pos: number; report: Report }[] {
    return this.sql
      .exec("SELECT pos, report FROM reports WHERE pos > ? ORDER BY pos LIMIT ?", pos, limit)
      .toArray()
      .map((row) => ({ pos: Number(row.pos), report: JSON.parse(String(row.report)) as Report }));
  }
}

function queued(row: SqlRow): QueuedReport {
  const report = JSON.parse(String(row.report)) as QueuedReport;
  if (row.resolution !== null) report.resolution = JSON.parse(String(row.resolution)) as ReportResolution;
  return report;
}
