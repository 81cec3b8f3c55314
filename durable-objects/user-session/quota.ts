/**
 * Conversations a user may create per UTC day. Counted in the session's SQLite (it must survive eviction: memory
 * would forgive an abuser every time its session went idle), one row per kind, rewritten only by a creation.
 */
import { fail, ok, type Result } from "../../protocol/index.js";
import type { Sql } from "../shared/sql.js";

const DAY_MS = 86_400_000;

export class DailyQuota {
  constructor(private readonly sql: Sql) {}

  /** Counts one creation of `kind`, or refuses with rate_limited (until the next UTC day) past `limit`. */
  take(kind: string, limit: number, now = Date.now()): Result<null> {
    const day = Math.floor(now / DAY_MS);
    const row = this.sql.exec("SELECT day, used FROM quota WHERE kind = ?", kind).toArray()[0];
    const used = row && Number(row.day) === day ? Number(row.used) : 0;
    if (used >= limit)
      return fail("rate_limited", `at most ${limit} new ${kind} conversations a day`, (day + 1) * DAY_MS - now);
    this.sql.exec(
      "INSERT INTO quota (kind, day, used) VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET day = excluded.day, used = excluded.used",
      kind,
      day,
      used + 1,
    );
    return ok(null);
  }
}
