/**
 * HMAC-SHA256 request signing between edge and origin, on WebCrypto so the same code runs in workerd and Node.
 * signature = hex(HMAC-SHA256(secret, timestamp + "." + rawBody)).
 */
import { SIGNATURE_MAX_SKEW_MS } from "./events.js";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export async function sign(secret: string, timestamp: string, rawBody: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${timestamp}.${rawBody}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time check (crypto.subtle.verify) of a signature and its timestamp's freshness. */
export async function verifySignature(secret: string, timestamp: string | null | undefined, signature: string | null | undefined, rawBody: string, now = Date.now()): Promise<boolean> {
  if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_MAX_SKEW_MS) return false;
  const bytes = new Uint8Array(signature.match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify("HMAC", await hmacKey(secret), bytes, encoder.encode(`${timestamp}.${rawBody}`));
}
