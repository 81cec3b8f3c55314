/**
 * Edge → origin request signing, version 2 (docs/protocol.md, "Edge → origin"):
 * signature = hex(HMAC-SHA256(secret, canonical)), where canonical is, one per line,
 *   `chat-origin-v2`, METHOD, path?query, timestamp, nonce, hex(SHA-256(body))
 * The MAC says what the request does and to what, so a captured ingest POST cannot be replayed as a GET of any
 * conversation's history or anyone's presence; the nonce makes each signature single-use (the origin remembers the
 * ones it saw until their timestamp is stale); and the body's hash travels in a header, so the origin checks the MAC
 * before it reads a byte of the body.
 *
 * The edge signs on WebCrypto (workerd); the origin checks with node:crypto (origin/api/hmac.ts, synchronous,
 * cheaper per request than WebCrypto's verify in Node) over the same `canonicalString`.
 */
import {
  CONTENT_SHA256_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_MAX_SKEW_MS,
  TIMESTAMP_HEADER,
} from "./events.js";

export const SIGNATURE_VERSION = "chat-origin-v2";

/** What the MAC covers besides the version. */
export interface SignedFields {
  method: string;
  /** Path and query as sent (`requestTarget`). */
  target: string;
  timestamp: string;
  nonce: string;
  bodySha256: string;
}

/** The signature headers of a request, well formed and fresh. */
export interface SignatureHeaders {
  timestamp: string;
  nonce: string;
  bodySha256: string;
  signature: string;
}

/** No field can hold a newline (a method token, a URL's path and query, hex and digits), so the lines are unambiguous. */
export function canonicalString(fields: SignedFields): string {
  return [
    SIGNATURE_VERSION,
    fields.method.toUpperCase(),
    fields.target,
    fields.timestamp,
    fields.nonce,
    fields.bodySha256,
  ].join("\n");
}

/** The request-target the MAC covers, as the WHATWG URL parser normalises it on both sides (workerd and Node). */
export function requestTarget(url: URL): string {
  return url.pathname + url.search;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The four signature headers of one request; every call draws a new nonce, so a retry is a new signature. */
export async function signRequest(
  secret: string,
  method: string,
  url: URL,
  body: string,
  now = Date.now(),
): Promise<Record<string, string>> {
  const timestamp = String(now);
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  const bodySha256 = hex(await crypto.subtle.digest("SHA-256", encoder.encode(body)));
  const canonical = canonicalString({ method, target: requestTarget(url), timestamp, nonce, bodySha256 });
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(canonical));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [CONTENT_SHA256_HEADER]: bodySha256,
    [SIGNATURE_HEADER]: hex(mac),
  };
}

/** The headers if well formed and the timestamp fresh, else null: checked before any MAC is computed. */
export function readSignatureHeaders(
  header: (name: string) => string | undefined,
  now: number,
): SignatureHeaders | null {
  const timestamp = header(TIMESTAMP_HEADER);
  const nonce = header(NONCE_HEADER);
  const bodySha256 = header(CONTENT_SHA256_HEADER);
  const signature = header(SIGNATURE_HEADER);
  if (!timestamp || !/^\d{1,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > SIGNATURE_MAX_SKEW_MS)
    return null;
  if (!nonce || !/^[0-9a-f]{32}$/.test(nonce)) return null;
  if (!bodySha256 || !/^[0-9a-f]{64}$/.test(bodySha256) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return null;
  return { timestamp, nonce, bodySha256, signature };
}
