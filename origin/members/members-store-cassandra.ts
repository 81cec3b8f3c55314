/**
 * MembersStore on Cassandra: `conversation_members (conversation_id PRIMARY KEY)`, written `USING TIMESTAMP
 * <version>`. Cassandra keeps, cell by cell, the write with the highest timestamp, so the highest version wins in any
 * order of arrival, replays included, with one plain write and no read before it. Lightweight transactions (`IF
 * version < ?`) would say the same at the cost of Paxos round trips, and time out under contention (two consumers
 * saving the same conversation) until retried.
 *
 * The price: every write to the table must carry the version as its timestamp. A write at the current time (a few
 * 10^15 µs) would outrank every version for good, and so would a `DELETE` without `USING TIMESTAMP`.
 */
import type cassandra from "cassandra-driver";
import { fail, ok, type Result } from "../../protocol/errors.js";
import { mapLimit } from "../shared/map-limit.js";
import { errorMessage } from "../shared/timeout.js";
import { newestPerConversation, type MembersSnapshot, type MembersStore } from "./members-store.js";

/** Conversations written at once by one `save`. */
const WRITE_CONCURRENCY = 16;

export class CassandraMembersStore implements MembersStore {
  private readonly cql;

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
  ) {
    const table = `${keyspace}.conversation_members`;
    this.cql = {
      save: `INSERT INTO ${table} (conversation_id, version, members, updated_at, muted) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      get: `SELECT version, members, updated_at, muted FROM ${table} WHERE conversation_id = ?`,
    };
  }

  async save(snapshots: readonly MembersSnapshot[]): Promise<Result<void>> {
    try {
      await mapLimit(newestPerConversation(snapshots), WRITE_CONCURRENCY, (s) =>
        this.client.execute(this.cql.save, [
          s.conversationId,
          s.version,
          s.members,
          new Date(s.at),
          // Written null when none: a snapshot replaces the mutes of the one before it.
          s.muted ? JSON.stringify(s.muted) : null,
          s.version,
        ]),
      );
      return ok(undefined);
    } catch (error) {
      return fail("unavailable", `members store: ${errorMessage(error)}`);
    }
  }

  async get(conversationId: string): Promise<Result<MembersSnapshot | null>> {
    try {
      const row = (await this.client.execute(this.cql.get, [conversationId])).first();
      if (!row) return ok(null);
      const muted = row.get("muted") as string | null;
      return ok({
        conversationId,
        version: (row.get("version") as cassandra.types.Long).toNumber(),
        // Cassandra stores an empty list as null.
        members: (row.get("members") as string[] | null) ?? [],
        at: (row.get("updated_at") as Date).getTime(),
        ...(muted ? { muted: JSON.parse(muted) as Record<string, number> } : {}),
      });
    } catch (error) {
      return fail("unavailable", `members store: ${errorMessage(error)}`);
    }
  }
}
