/**
 * The `origin` scenario's stand-in for the edge's outboxes: signed `POST /v1/ingest` batches over keep-alive
 * connections, on node:http and node:crypto. In production the edge posts from Cloudflare, not from the origin's
 * machines; here the load generator shares the origin's two cores, so it is kept lean (undici's `fetch` and
 * WebCrypto's `sign` cost it ~1 ms of CPU per batch, a third of a core at 20,000 events/s). Signature and
 * headers are the edge's (protocol.md, "Edge → origin"); the tests post with `signedFetch`, the edge's own signer.
 */
import { Agent, request } from "node:http";
import { signedHeaders } from "../../origin/api/hmac.js";
import type { MessageEvent } from "../../protocol/events.js";

export class IngestPoster {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly secret: string,
    connections: number,
  ) {
    this.url = new URL("/v1/ingest", baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** True once the origin answered 200 (Kafka acknowledged every event). */
  post(events: MessageEvent[]): Promise<boolean> {
    const body = JSON.stringify({ events });
    const signature = signedHeaders(this.secret, "POST", this.url, body);
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...signature },
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode === 200)).once("error", reject);
        },
      );
      req.once("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
