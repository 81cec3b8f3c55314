/** Signature v2: the edge's WebCrypto signer and the origin's node:crypto check agree on one canonical string. */
import { describe, expect, it } from "vitest";
import { mac, sha256Hex, signedHeaders } from "../../origin/api/hmac.js";
import { canonicalString, readSignatureHeaders, requestTarget, signRequest } from "../../protocol/signature.js";

const url = new URL("http://origin.test/v1/history/c%3A1?limit=5");
const header = (headers: Record<string, string>) => (name: string) => headers[name];

describe("request signature v2", () => {
  it("is a versioned line per field: method, path and query, timestamp, nonce, body hash", () => {
    const fields = {
      method: "get",
      target: requestTarget(url),
      timestamp: "1700000000000",
      nonce: "0".repeat(32),
      bodySha256: sha256Hex(""),
    };
    expect(canonicalString(fields)).toBe(
      `chat-origin-v2\nGET\n/v1/history/c%3A1?limit=5\n1700000000000\n${"0".repeat(32)}\n${sha256Hex("")}`,
    );
  });

  it("is the same from the edge's WebCrypto signer and the origin's node:crypto", async () => {
    const now = Date.now();
    const signed = await signRequest("s3cret", "POST", url, '{"events":[]}', now);
    const read = readSignatureHeaders(header(signed), now);
    expect(read).not.toBeNull();
    expect(read!.bodySha256).toBe(sha256Hex('{"events":[]}'));
    const canonical = canonicalString({ method: "POST", target: requestTarget(url), ...read! });
    expect(mac("s3cret", canonical).toString("hex")).toBe(read!.signature);
    expect(readSignatureHeaders(header(signedHeaders("s3cret", "POST", url, "x", now)), now)).not.toBeNull();
  });

  it("draws a new nonce for every signature, so a retry is never a replay", async () => {
    const nonces = await Promise.all(
      [1, 2, 3].map(async () => (await signRequest("s", "GET", url, ""))["X-Chat-Nonce"]),
    );
    expect(new Set(nonces).size).toBe(3);
  });

  it("refuses headers that are missing, malformed or stale before any MAC is computed", async () => {
    const now = Date.now();
    const signed = await signRequest("s", "GET", url, "", now);
    expect(readSignatureHeaders(header({ ...signed, "X-Chat-Nonce": "short" }), now)).toBeNull();
    expect(readSignatureHeaders(header({ ...signed, "X-Chat-Content-SHA256": "" }), now)).toBeNull();
    expect(readSignatureHeaders(header(signed), now + 5 * 60_000 + 1)).toBeNull();
    expect(readSignatureHeaders(header({}), now)).toBeNull();
  });
});
