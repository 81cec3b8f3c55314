/** SubscriptionStore on Cassandra: `push_subscriptions ((user_id), endpoint)`. */
import type cassandra from "cassandra-driver";
import { fail, ok, type Result } from "../../protocol/errors.js";
import type { PushSubscription } from "../../protocol/http.js";
import { errorMessage } from "../shared/timeout.js";
import type { SubscriptionStore } from "./subscription-store.js";

export class CassandraSubscriptionStore implements SubscriptionStore {
  private readonly cql;

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
  ) {
    const table = `${keyspace}.push_subscriptions`;
    this.cql = {
      insert: `INSERT INTO ${table} (user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)`,
      list: `SELECT endpoint, p256dh, auth FROM ${table} WHERE user_id = ?`,
      remove: `DELETE FROM ${table} WHERE user_id = ? AND endpoint = ?`,
    };
  }

  add(userId: string, s: PushSubscription): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.execute(this.cql.insert, [userId, s.endpoint, s.keys.p256dh, s.keys.auth, new Date()]);
    });
  }

  list(userId: string): Promise<Result<PushSubscription[]>> {
    return this.run(async () => {
      const { rows } = await this.client.execute(this.cql.list, [userId]);
      return rows.map((r) => ({ endpoint: r.get("endpoint") as string, keys: { p256dh: r.get("p256dh") as string, auth: r.get("auth") as string } }));
    });
  }

  remove(userId: string, endpoint: string): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.execute(this.cql.remove, [userId, endpoint]);
    });
  }

  private async run<T>(work: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await work());
    } catch (error) {
      return fail("unavailable", `subscription store: ${errorMessage(error)}`);
    }
  }
}
