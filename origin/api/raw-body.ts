/**
 * A request's body, read straight off Node's `IncomingMessage`, refused past `maxBytes`. Why not hono's `bodyLimit`
 * and `c.req.text()`: on @hono/node-server they build a Web `Request` and a `ReadableStream` around the socket for
 * every call, a cost the ingest pays per batch. Every route
 * reads the body the signature middleware keeps, never `c.req`'s.
 */
import type { IncomingMessage } from "node:http";
import { fail, ok, type Result } from "../../protocol/errors.js";

/**
 * The length a request declares for its body, refused past `maxBytes` (413) before a byte of it is read. The edge's
 * bodies are strings, sent with Content-Length; a chunked body (Transfer-Encoding, no declared length) could only be
 * measured by reading it, so it is refused (400). A request with neither header has no body (RFC 9112 §6.3).
 */
export function declaredLength(incoming: IncomingMessage, maxBytes: number): Result<number> {
  const declared = incoming.headers["content-length"];
  if (declared === undefined) {
    return incoming.headers["transfer-encoding"] === undefined
      ? ok(0)
      : fail("bad_request", "a request body needs a Content-Length");
  }
  // Node's parser has checked that it is a decimal number, and delivers no more bytes than it says.
  const length = Number(declared);
  return length > maxBytes ? fail("too_large", `request body exceeds ${maxBytes} bytes`) : ok(length);
}

export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Result<Buffer>> {
  const tooLarge = fail("too_large", `request body exceeds ${maxBytes} bytes`);
  if (Number(incoming.headers["content-length"]) > maxBytes) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Result<Buffer>) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // The rest is never buffered: Node discards or closes what the answer leaves unread.
      if (size > maxBytes) finish(tooLarge);
      else chunks.push(chunk);
    };
    const onEnd = () => finish(ok(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // A client gone mid-body: Node 20 emits "error" (ECONNRESET); "close" without "end" settles it either way.
    const onError = () => finish(fail("bad_request", "request body aborted"));
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("close", onError);
  });
}
