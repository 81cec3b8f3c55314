/**
 * The storage probe: what one Durable Object event costs the runtime, with and without a write. A `Probe`
 * object answers `op(kind)` RPCs; the Worker in front fans a fixed number of calls over a few objects. The
 * kinds differ only in what the object does inside the event, so the CPU differences between them are the
 * costs of a write (its statement and its commit), of a bigger write, of a second statement, and of a timer
 * that fires inside the event (`setTimeout 0`, the session's next-turn send).
 *
 * Typechecked with the edge's config (Workers types), not the Node one.
 */
import { DurableObject } from "cloudflare:workers";
import type { Kind } from "./kinds.js";

interface ProbeEnv {
  PROBE: DurableObjectNamespace<Probe>;
}

export class Probe extends DurableObject<ProbeEnv> {
  private next = 0;

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  constructor(ctx: DurableObjectState, env: ProbeEnv) {
    super(ctx, env);
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, conversation TEXT, seq INTEGER, message TEXT); CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)",
    );
    this.next = Number(this.sql.exec("SELECT COALESCE(MAX(id), 0) AS n FROM rows").one().n);
  }

  async op(kind: Kind, size: number): Promise<number> {
    const message = "x".repeat(size);
    switch (kind) {
      case "timer":
        // The answer leaves from a timer's callback, as a send does when the session defers it to the next turn.
        await new Promise((r) => setTimeout(r, 0));
        return 0;
      case "timer-insert":
        await new Promise((r) => setTimeout(r, 0));
        return this.op("insert-row", size);
      case "nothing":
        return 0;
      case "insert-row":
      case "insert-row-1kb":
        this.sql.exec(
          "INSERT INTO rows (id, conversation, seq, message) VALUES (?, 'c', ?, ?)",
          ++this.next,
          this.next,
          kind === "insert-row" ? message : "x".repeat(1024),
        );
        return 1;
      case "insert-8-rows":
        this.sql.exec(
          "INSERT INTO rows (id, conversation, seq, message) SELECT ? + key, 'c', ? + key, value FROM json_each(?)",
          this.next + 1,
          this.next + 1,
          JSON.stringify(Array(8).fill(message)),
        );
        this.next += 8;
        return 8;
      case "two-statements":
        this.sql.exec(
          "INSERT INTO rows (id, conversation, seq, message) VALUES (?, 'c', ?, ?)",
          ++this.next,
          this.next,
          message,
        );
        this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last', ?)", this.next);
        return 1;
      case "kv-put":
        // Not awaited on purpose: a put is confirmed by the output gate, which is what this kind measures.
        this.ctx.storage.put("last", this.next++).catch(() => undefined);
        return 1;
    }
  }
}

export default {
  async fetch(request: Request, env: ProbeEnv): Promise<Response> {
    const url = new URL(request.url);
    const kind = (url.searchParams.get("kind") ?? "nothing") as Kind;
    const calls = Number(url.searchParams.get("calls") ?? 1000);
    const objects = Number(url.searchParams.get("objects") ?? 10);
    const size = Number(url.searchParams.get("size") ?? 200);
    const probes = Array.from({ length: objects }, (_, i) =>
      env.PROBE.get(env.PROBE.idFromName(`${url.searchParams.get("run")}-${i}`)),
    );
    await Promise.all(probes.map((p) => p.op("nothing", 0)));
    for (let done = 0; done < calls; done += 50)
      await Promise.all(Array.from({ length: 50 }, (_, i) => probes[(done + i) % objects]!.op(kind, size)));
    return new Response("ok");
  },
};
