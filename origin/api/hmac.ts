/**
 * The edge-request MAC (protocol/signature.ts) on node:crypto, synchronously: WebCrypto's verify is asynchronous, and
 * its promise, thread-pool job and transferable wrappers cost several times the HMAC itself on every request. The
 * caller has checked the headers' shape and freshness first (`readSignatureHeaders`).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { CONTENT_SHA256_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../protocol/events.js";
import { canonicalString, requestTarget } from "../../protocol/signature.js";

export function mac(secret: string, canonical: string): Buffer {
  return createHmac("sha256", secret).update(canonical).digest();
}

export function macMatches(secret: string, canonical: string, signature: string): boolean {
  return timingSafeEqual(mac(secret, canonical), Buffer.from(signature, "hex"));
}

export function sha256Hex(body: Buffer | string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** The edge's signature headers, computed synchronously: the bench's stand-in for the edge signs with it. */
export function signedHeaders(
  secret: string,
  method: string,
  url: URL,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString("hex");
  const bodySha256 = sha256Hex(body);
  const signature = mac(
    secret,
    canonicalString({ method, target: requestTarget(url), timestamp, nonce, bodySha256 }),
  ).toString("hex");
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [CONTENT_SHA256_HEADER]: bodySha256,
    [SIGNATURE_HEADER]: signature,
  };
}
