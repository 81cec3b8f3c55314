/**
 * A push service on 127.0.0.1 for the push tests: records every request and answers with the status (and Location)
 * configured for its path (201 by default). Subscriptions get real P-256 keys, so the test decrypts what the origin encrypted.
 */
import { createECDH, randomBytes, type ECDH } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import ece from "http_ece";
import type { PushSubscription } from "../../../protocol/http.js";

export interface PushRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface TestSubscription {
  subscription: PushSubscription;
  /** Decrypts a request's aes128gcm body (RFC 8291) with the subscription's private key. */
  decrypt(body: Buffer): string;
}

export class LocalPushService {
  readonly requests: PushRequest[] = [];
  /** The most requests it was answering at once. */
  maxInFlight = 0;
  private inFlight = 0;
  private readonly answers = new Map<string, { status: number; location?: string }>();
  private server: Server | null = null;
  private base = "";

  /** `delayMs`: how long each answer waits, so that sends overlap and the test can count them. */
  async start(delayMs = 0): Promise<void> {
    this.server = createServer((req, res) => {
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
        const answer = this.answers.get(path) ?? { status: 201 };
        setTimeout(() => {
          this.inFlight -= 1;
          res.writeHead(answer.status, answer.location ? { Location: answer.location } : {}).end();
        }, delayMs);
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  requestsTo(path: string): PushRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Answers `path` with `status` from now on. */
  answer(path: string, status: number): void {
    this.answers.set(path, { status });
  }

  /** Where a path of this service is: what a redirect names. */
  urlOf(path: string): string {
    return `${this.base}${path}`;
  }

  /** A browser-like subscription at `path`, answered with `status` (and a Location header, for a redirect). */
  subscribe(path: string, status = 201, location?: string): TestSubscription {
    this.answers.set(path, location === undefined ? { status } : { status, location });
    const ecdh: ECDH = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16).toString("base64url");
    return {
      subscription: { endpoint: this.urlOf(path), keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } },
      decrypt: (body) =>
        ece.decrypt(body, { version: "aes128gcm", privateKey: ecdh, authSecret: auth }).toString("utf8"),
    };
  }
}
