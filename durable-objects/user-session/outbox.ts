/** The UserSession's origin outbox: offline (push) and presence events, deleted only once origin has them. */
import type { OriginEvent } from "../../protocol/index.js";
import type { OutboxBatch } from "../shared/forwarder.js";

export class EventOutbox {
  constructor(private readonly sql: SqlStorage) {}

  add(event: OriginEvent): void {
    this.sql.exec("INSERT INTO outbox (event) VALUES (?)", JSON.stringify(event));
  }

  pending(): boolean {
    return this.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
  }

  next(limit: number): OutboxBatch | null {
    const rows = this.sql.exec("SELECT id, event FROM outbox ORDER BY id LIMIT ?", limit).toArray();
    const last = rows.at(-1);
    if (!last) return null;
    return {
      events: rows.map((r) => JSON.parse(String(r.event)) as OriginEvent),
      commit: () => this.sql.exec("DELETE FROM outbox WHERE id <= ?", last.id),
    };
  }
}
