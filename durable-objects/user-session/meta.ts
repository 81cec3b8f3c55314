/** The session's few scalars that must survive eviction (its connection epoch, when its user was last seen): one row each. */
import type { Sql } from "../shared/sql.js";

export class Meta {
  constructor(private readonly sql: Sql) {}

  get(key: string): string | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? String(row.value) : null;
  }

  set(key: string, value: string | number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}
