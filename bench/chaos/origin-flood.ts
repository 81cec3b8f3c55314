/**
 * The origin's side of the abuse scenario (with `--origin`): someone who can reach the ingest port posts large
 * bodies under made-up signatures (they must be refused before a byte is read, and the process's memory must not
 * follow them), and replays requests the edge really signed (each must be served once). Every answer that lets
 * an attacker through is counted.
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { CONTENT_SHA256_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../protocol/events.js";
import { edgeSignature, sendSigned } from "../../test/origin/support.js";

export interface OriginFloodStats {
  /** Large bodies posted with made-up signatures, and how many were not refused with 401. */
  unsigned: number;
  unsignedAccepted: number;
  /** Signed requests replayed, and how many replays were served. */
  replays: number;
  replaysAccepted: number;
}

/** Each made-up request declares and starts sending this much: what a reader of unverified bodies would buffer. */
const UNSIGNED_BYTES = 8 * 1024 * 1024;

export class OriginFlood {
  private readonly stats: OriginFloodStats = { unsigned: 0, unsignedAccepted: 0, replays: 0, replaysAccepted: 0 };
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly url: string) {}

  start(perSec: number): void {
    let sent = 0;
    const started = Date.now();
    this.timer = setInterval(() => {
      for (; sent < ((Date.now() - started) / 1000) * perSec; sent++)
        this.track(sent % 2 === 0 ? this.unsignedBody() : this.replay());
    }, 50);
  }

  async stop(): Promise<OriginFloodStats> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    return this.stats;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** A large body under fresh but made-up signature headers, streamed until the origin answers. */
  private unsignedBody(): Promise<void> {
    this.stats.unsigned++;
    return new Promise((resolve) => {
      const req = request(
        `${this.url}/v1/ingest`,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "Content-Length": String(UNSIGNED_BYTES),
            [TIMESTAMP_HEADER]: String(Date.now()),
            [NONCE_HEADER]: randomBytes(16).toString("hex"),
            [CONTENT_SHA256_HEADER]: randomBytes(32).toString("hex"),
            [SIGNATURE_HEADER]: randomBytes(32).toString("hex"),
          },
        },
        (res) => {
          if (res.statusCode !== 401) this.stats.unsignedAccepted++;
          res.resume();
          req.destroy();
          resolve();
        },
      );
      req.on("error", () => resolve());
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      const pump = () => {
        while (written < UNSIGNED_BYTES && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
  }

  /** A presence event the origin accepts once, then the same request again: the replay must be refused. */
  private async replay(): Promise<void> {
    const body = JSON.stringify({
      events: [
        { kind: "presence", userId: `replayed-${randomBytes(4).toString("hex")}`, online: false, at: Date.now() },
      ],
    });
    const signature = await edgeSignature(this.url, "POST", "/v1/ingest", body);
    const first = await sendSigned(this.url, "POST", "/v1/ingest", body, signature);
    await first.arrayBuffer();
    if (first.status !== 200) return;
    this.stats.replays++;
    const again = await sendSigned(this.url, "POST", "/v1/ingest", body, signature);
    await again.arrayBuffer();
    if (again.status !== 401) this.stats.replaysAccepted++;
  }
}
