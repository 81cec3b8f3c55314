/**
 * A write canary for the cassandra-kill scenario: one row at a time, each awaited, into a table of the run's
 * keyspace, until Cassandra dies. After the restart every row Cassandra acknowledged must still be there. The
 * persister commits Kafka offsets as soon as Cassandra acknowledges a write, so an acknowledged write that a
 * crash can erase is a message lost for good; the canary tells that cause apart from a persister bug.
 */
import type cassandra from "cassandra-driver";

const MAX_RUN_MS = 30_000;

export type Read = (
  query: string,
  params: unknown[],
  options: cassandra.QueryOptions,
) => Promise<cassandra.types.ResultSet>;

export interface CanaryResult {
  acked: number;
  lost: number;
  /** When the lost writes were acknowledged, relative to the kill (ms; negative = before it). */
  lostWindowMs: [number, number] | null;
}

export class WriteCanary {
  private readonly acked: { id: number; at: number }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly client: cassandra.Client,
    private readonly table: string,
  ) {
    this.loop = this.write();
  }

  /** Resolves once the canary is writing steadily, so the kill lands in the middle of its stream. */
  static async start(client: cassandra.Client, keyspace: string): Promise<WriteCanary> {
    const table = `${keyspace}.chaos_canary`;
    await client.execute(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY)`);
    const canary = new WriteCanary(client, table);
    for (const deadline = Date.now() + 3_000; canary.acked.length < 100 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 50));
    return canary;
  }

  /** Stops writing (the loop also ends on its own at the first failed write, i.e. when Cassandra died). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Reads the table back (after the restart, with `read`, which waits out reconnections) and compares with what was acknowledged. */
  async check(killedAt: number, read: Read): Promise<CanaryResult> {
    const rs = await read(`SELECT id FROM ${this.table}`, [], { fetchSize: 1_000_000 });
    const stored = new Set(rs.rows.map((r) => Number(r.get("id"))));
    const lost = this.acked.filter((a) => !stored.has(a.id));
    const window: [number, number] | null =
      lost.length > 0 ? [lost[0]!.at - killedAt, lost.at(-1)!.at - killedAt] : null;
    return { acked: this.acked.length, lost: lost.length, lostWindowMs: window };
  }

  private async write(): Promise<void> {
    // Bounded however the kill goes: a canary left running would keep writing into a shared server.
    const deadline = Date.now() + MAX_RUN_MS;
    for (let id = 0; this.running && Date.now() < deadline; id++) {
      try {
        await this.client.execute(`INSERT INTO ${this.table} (id) VALUES (?)`, [id], { prepare: true });
      } catch {
        return;
      }
      this.acked.push({ id, at: Date.now() });
    }
  }
}
