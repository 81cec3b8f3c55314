/**
 * Opening many real WebSockets (the `ws` package) from one process. Client sockets are spread over several
 * loopback source addresses (127.0.0.2, .3, …) so that no single (source, destination) pair runs out of
 * ephemeral ports; permessage-deflate is off on both targets alike, so frames cost what the JSON costs.
 */
import WebSocket from "ws";
import type { SocketAddress } from "../targets/target.js";

export type FrameHandler = (text: string) => void;

/** The n-th of `spread` loopback source addresses. */
export function sourceAddress(n: number, spread: number): string {
  return `127.0.0.${2 + (n % spread)}`;
}

/**
 * Opens one socket; resolves once its first frame (the server's hello) arrived, with the handler attached
 * for every frame after it.
 */
export function openSocket(
  address: SocketAddress,
  localAddress: string | undefined,
  onFrame: FrameHandler,
  timeoutMs = 30_000,
): Promise<{ ws: WebSocket; hello: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address.url, {
      perMessageDeflate: false,
      localAddress,
      handshakeTimeout: timeoutMs,
      headers: address.headers,
    });
    const timer = setTimeout(() => fail(new Error(`no hello within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      ws.terminate();
      reject(error);
    };
    ws.once("error", fail);
    ws.once("unexpected-response", (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("message", (data) => {
      clearTimeout(timer);
      ws.off("error", fail);
      ws.on("error", () => undefined);
      ws.on("message", (frame) => onFrame(String(frame)));
      resolve({ ws, hello: String(data) });
    });
  });
}

/** Runs `task(0..count-1)` with at most `concurrency` at once; results in index order. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** Closes sockets without waiting for the peer (the runtime is stopped right after). */
export function closeAll(sockets: WebSocket[]): void {
  for (const ws of sockets) ws.terminate();
}
