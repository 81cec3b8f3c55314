/**
 * Streams an upload into R2 without holding it whole: its first bytes are checked against the declared type before
 * anything is written, the rest is hashed on the way (a tee into `crypto.DigestStream`), and R2 gets a stream of the
 * declared length (`FixedLengthStream`: `put` needs to know the length of a stream; a body that turns out shorter or
 * longer fails the put, and nothing is stored).
 * https://developers.cloudflare.com/workers/runtime-apis/streams/#fixedlengthstream
 * https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#digeststream
 */
import { SNIFF_BYTES, sniffMatches } from "../../protocol/index.js";

/** The body was shorter or longer than its `Content-Length`: the client's fault, unlike any other failure of a put. */
export class BodyLengthError extends Error {}

export interface StoreRequest {
  key: string;
  type: string;
  length: number;
  metadata: Record<string, string>;
}

/** The stored object's hex SHA-256, or null when its first bytes are not those of its type (nothing is written). */
export async function streamToR2(
  bucket: R2Bucket,
  body: ReadableStream<Uint8Array>,
  request: StoreRequest,
): Promise<string | null> {
  const reader = body.getReader();
  const head = await readHead(reader, Math.min(SNIFF_BYTES, request.length));
  if (!sniffMatches(request.type, head)) {
    await reader.cancel().catch(() => undefined);
    return null;
  }
  const counted = { bytes: 0 };
  const [toBucket, toHash] = prepend(head, reader, counted).tee();
  const digest = new crypto.DigestStream("SHA-256");
  const hashed = toHash.pipeTo(digest);
  const sized = new FixedLengthStream(request.length);
  const piped = toBucket.pipeTo(sized.writable);
  try {
    await Promise.all([
      bucket.put(request.key, sized.readable, {
        httpMetadata: { contentType: request.type },
        customMetadata: request.metadata,
      }),
      piped,
      hashed,
    ]);
  } catch (error) {
    if (counted.bytes !== request.length)
      throw new BodyLengthError(`${counted.bytes} bytes, ${request.length} declared`);
    throw error;
  }
  return hex(await digest.digest);
}

/** At least `bytes` bytes from the start of the stream (fewer only if it ends first). */
async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>, bytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const head = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    head.set(chunk, at);
    at += chunk.byteLength;
  }
  return head;
}

/** The bytes already read, then the rest of the stream, pulled as the consumer asks. */
function prepend(
  head: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  counted: { bytes: number },
): ReadableStream<Uint8Array> {
  counted.bytes = head.byteLength;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      counted.bytes += value.byteLength;
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
