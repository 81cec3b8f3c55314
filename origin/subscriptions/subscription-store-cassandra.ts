/**
 * SubscriptionStore on Cassandra: `push_subscriptions ((user_id), endpoint)`, one partition per user. The cap is kept
 * by reading the partition back after each insert and deleting the oldest rows past it (`created_at`); two adds racing
 * may leave one over for a moment, which the next add removes, and `list` never returns more than the cap.
 */
import type cassandra from "cassandra-driver";
import { fail, ok, type Result } from "../../protocol/errors.js";
import type { PushSubscription } from "../../protocol/http.js";
import { errorMessage } from "../shared/timeout.js";
import type { StoredSubscription, SubscriptionStore } from "./subscription-store.js";

export class CassandraSubscriptionStore implements SubscriptionStore {
  private readonly cql;

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
    private readonly maxPerUser: number,
  ) {
    const table = `${keyspace}.push_subscriptions`;
    this.cql = {
      insert: `INSERT INTO ${table} (user_id, endpoint, p256dh, auth, created_at, rejections) VALUES (?, ?, ?, ?, ?, 0)`,
      list: `SELECT endpoint, p256dh, auth, created_at, rejections FROM ${table} WHERE user_id = ?`,
      // IF EXISTS: a plain UPDATE is an upsert, and would bring back a row without keys that another consumer removed.
      reject: `UPDATE ${table} SET rejections = ? WHERE user_id = ? AND endpoint = ? IF EXISTS`,
      remove: `DELETE FROM ${table} WHERE user_id = ? AND endpoint = ?`,
    };
  }

  add(userId: string, s: PushSubscription): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.execute(this.cql.insert, [userId, s.endpoint, s.keys.p256dh, s.keys.auth, new Date()]);
      const rows = await this.rows(userId);
      for (const old of rows.slice(this.maxPerUser)) await this.client.execute(this.cql.remove, [userId, old.endpoint]);
    });
  }

  list(userId: string): Promise<Result<StoredSubscription[]>> {
    return this.run(async () => (await this.rows(userId)).slice(0, this.maxPerUser).map(({ createdAt: _, ...s }) => s));
  }

  setRejections(userId: string, endpoint: string, rejections: number): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.execute(this.cql.reject, [rejections, userId, endpoint]);
    });
  }

  remove(userId: string, endpoint: string): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.execute(this.cql.remove, [userId, endpoint]);
    });
  }

  /** Every row of the user, newest first. */
  private async rows(userId: string): Promise<(StoredSubscription & { createdAt: number })[]> {
    const { rows } = await this.client.execute(this.cql.list, [userId]);
    return rows
      .map((r) => ({
        endpoint: r.get("endpoint") as string,
        keys: { p256dh: r.get("p256dh") as string, auth: r.get("auth") as string },
        rejections: (r.get("rejections") as number | null) ?? 0,
        createdAt: (r.get("created_at") as Date | null)?.getTime() ?? 0,
      }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  private async run<T>(work: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await work());
    } catch (error) {
      return fail("unavailable", `subscription store: ${errorMessage(error)}`);
    }
  }
}
