/**
 * What a user may do per UTC day: conversations created (per kind), attachments uploaded (their count and bytes),
 * messages reported.
 * Counted in the session's SQLite (it must survive eviction: memory would forgive an abuser every time its session
 * went idle), one row per kind, rewritten only by what it counts.
 */
import { fail, ok, type Result } from "../../protocol/index.js";
import type { Sql } from "../shared/sql.js";

const DAY_MS = 86_400_000;

/** One counter to charge: `amount` of `kind`, at most `limit` a day; `what` names the unit in the refusal. */
export interface QuotaCharge {
  kind: string;
  limit: number;
  amount: number;
  what: string;
}

export class DailyQuota {
  constructor(private readonly sql: Sql) {}

  /** Counts one creation of `kind`, or refuses with rate_limited (until the next UTC day) past `limit`. */
  take(kind: string, limit: number, now = Date.now()): Result<null> {
    return this.takeAll([{ kind, limit, amount: 1, what: `new ${kind} conversations` }], now);
  }

  /** Charges every counter, or none of them when any would go past its limit (rate_limited until the next UTC day). */
  takeAll(charges: QuotaCharge[], now = Date.now()): Result<null> {
    const day = Math.floor(now / DAY_MS);
    const used = charges.map(({ kind }) => {
      const row = this.sql.exec("SELECT day, used FROM quota WHERE kind = ?", kind).toArray()[0];
      return row && Number(row.day) === day ? Number(row.used) : 0;
    });
    const over = charges.findIndex((charge, i) => used[i]! + charge.amount > charge.limit);
    if (over >= 0) {
      const { limit, what } = charges[over]!;
      return fail("rate_limited", `at most ${limit} ${what} a day`, (day + 1) * DAY_MS - now);
    }
    charges.forEach(({ kind, amount }, i) =>
      this.sql.exec(
        "INSERT INTO quota (kind, day, used) VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET day = excluded.day, used = excluded.used",
        kind,
        day,
        used[i]! + amount,
      ),
    );
    return ok(null);
  }

  /** Gives back `amount` of `kind` charged at `chargedAt` for work then refused; nothing once that day is over. */
  refund(kind: string, amount: number, chargedAt: number): void {
    this.sql.exec(
      "UPDATE quota SET used = MAX(0, used - ?) WHERE kind = ? AND day = ?",
      amount,
      kind,
      Math.floor(chargedAt / DAY_MS),
    );
  }
}
