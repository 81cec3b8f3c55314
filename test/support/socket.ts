/** A real WebSocket (the `ws` package) with a frame buffer tests can wait on. */
import WebSocket from "ws";
import { FETCH_PAGE_MAX } from "../../protocol/limits.js";

export type Frame = Record<string, any> & { type: string };

export class TestSocket {
  readonly frames: Frame[] = [];
  private taken = new Set<Frame>();
  private listeners: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.notify();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.notify();
    });
  }

  /** Opens a socket and waits for its `hello`. */
  static async open(wsUrl: string, token: string, device?: string): Promise<TestSocket> {
    const params = new URLSearchParams(device ? { device } : {});
    const ws = new WebSocket(`${wsUrl}/v1/connect?${params}`, { headers: { Authorization: `Bearer ${token}` } });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await socket.waitFor((f) => f.type === "hello");
    return socket;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame not yet taken that matches; waits for it up to `timeoutMs`. */
  waitFor(match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const frame = this.frames.find((f) => !this.taken.has(f) && match(f));
        if (!frame) return false;
        this.taken.add(frame);
        resolve(frame);
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== listener);
        }
      };
      this.listeners.push(listener);
    });
  }

  waitForType(type: string, match: (f: Frame) => boolean = () => true, timeoutMs?: number): Promise<Frame> {
    return this.waitFor((f) => f.type === type && match(f), timeoutMs);
  }

  /** Waits until `count` frames match (taken or not), returning them in arrival order. */
  async waitForCount(match: (f: Frame) => boolean, count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`expected ${count} frames, got ${found.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Asks what changed since `since`: the `state` frame's conversations, and the `synced` time. */
  async sync(since?: number): Promise<{ conversations: Frame[]; at: number }> {
    this.send(since === undefined ? { type: "sync" } : { type: "sync", since });
    const state = await this.waitForType("state");
    const synced = await this.waitForType("synced");
    return { conversations: state.conversations as Frame[], at: synced.at as number };
  }

  /** Fetches a conversation after `after`, page by page, until nothing more follows; returns the `fetched` frames. */
  async fetchAll(conversationId: string, after = 0, limit = FETCH_PAGE_MAX): Promise<Frame[]> {
    const pages: Frame[] = [];
    for (;;) {
      this.send({ type: "fetch", conversationId, after, limit });
      const fetched = await this.waitForType("fetched", (f) => f.conversationId === conversationId);
      pages.push(fetched);
      if (!fetched.more) return pages;
      after = fetched.through as number;
    }
  }

  messages(conversationId?: string): Frame[] {
    return this.frames.filter((f) => f.type === "message" && (!conversationId || f.conversationId === conversationId));
  }

  /**
   * The close code the server sent. workerd (behind Miniflare) does not end the TCP connection after a
   * server-initiated close handshake, so `ws` would only report the close after its 30 s timeout; the code
   * is known as soon as the close frame arrived.
   */
  get closeCode(): number | undefined {
    const internal = this.ws as unknown as { _closeFrameReceived?: boolean; _closeCode?: number };
    return this.closed?.code ?? (internal._closeFrameReceived ? internal._closeCode : undefined);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.ws.terminate(), 500);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The HTTP status a WebSocket upgrade got: 101 when the socket opened (it is closed again at once). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", () => resolve(-1));
  });
}
