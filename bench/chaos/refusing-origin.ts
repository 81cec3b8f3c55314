/**
 * What the edge meets while origin ingest is "down" in origin-stop: something on ingest's port that answers
 * every batch with 503, as a load balancer in front of a dead origin would. It counts the attempts per
 * conversation, which shows whether the edge backs off (OUTBOX_RETRY_MS doubling to 5 min) or keeps
 * hammering a struggling origin at a fixed pace.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";

export class RefusingOrigin {
  /** Refused ingest batches per conversation (batches of message events; presence and push batches aside). */
  readonly attempts = new Map<string, number>();

  private constructor(private readonly server: Server) {}

  static async listen(port: number): Promise<RefusingOrigin> {
    const server = createServer();
    const origin = new RefusingOrigin(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        origin.count(Buffer.concat(chunks).toString());
        res
          .writeHead(503, { "Content-Type": "application/json", Connection: "close" })
          .end('{"error":{"code":"unavailable","message":"origin down (chaos)"}}');
      });
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return origin;
  }

  get maxPerConversation(): number {
    return Math.max(0, ...this.attempts.values());
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private count(body: string): void {
    try {
      const first = (JSON.parse(body) as { events?: { kind?: string; conversationId?: string }[] }).events?.[0];
      if (first?.kind === "message" && first.conversationId)
        this.attempts.set(first.conversationId, (this.attempts.get(first.conversationId) ?? 0) + 1);
    } catch {
      // Not a batch: nothing to count.
    }
  }
}
