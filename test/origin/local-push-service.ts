/**
 * A push service on 127.0.0.1 for the push tests: records every request and answers with the status configured for
 * its path (201 by default). Subscriptions get real P-256 keys, so the test decrypts what the origin encrypted.
 */
import { createECDH, randomBytes, type ECDH } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import ece from "http_ece";
import type { PushSubscription } from "../../protocol/http.js";

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
  private readonly statuses = new Map<string, number>();
  private server: Server | null = null;
  private base = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(this.statuses.get(path) ?? 201).end();
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

  /** A browser-like subscription at `path`, answered with `status`. */
  subscribe(path: string, status = 201): TestSubscription {
    this.statuses.set(path, status);
    const ecdh: ECDH = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16).toString("base64url");
    return {
      subscription: { endpoint: `${this.base}${path}`, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } },
      decrypt: (body) => ece.decrypt(body, { version: "aes128gcm", privateKey: ecdh, authSecret: auth }).toString("utf8"),
    };
  }
}
