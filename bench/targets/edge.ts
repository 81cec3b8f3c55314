/**
 * Our edge as a bench target: started locally through Miniflare's API (test/support/edge.ts, the same
 * harness the integration tests use) with the rate limit raised, or an edge already running at `--url`.
 * Users get dev tokens (`POST /v1/dev/token`, DEV_AUTH=1) and conversations are made over HTTP with the
 * project's client (client/api.ts), exactly as an app would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type WebSocket from "ws";
import { ChatApi } from "../../client/api.js";
import type { ServerFrame } from "../../client/index.js";
import { buildWorker } from "../../test/support/bundle.js";
import { startEdge, type Edge } from "../../test/support/edge.js";
import { stopOnExit } from "../cleanup.js";
import { inParallel } from "../load/sockets.js";
import { runTag, type Incoming, type Prepared, type Target } from "./target.js";

export interface EdgeTargetOptions {
  /** An edge already running (its base URL); otherwise one is started here. */
  url?: string;
  /** workerd's pid of the edge at `url`, when known. */
  pid?: number;
  /** Rate limits of the started edge: per user (sends, fan-out) and per socket (frames); see limitBindings. */
  rateLimit: number;
  /** Where the started edge keeps its Durable Objects' SQLite files (see cli.ts, `--storage`). */
  storage: "tmpfs" | "disk";
  /** Start the edge with workerd's inspector on this port (for `--inspect-port` profiles). */
  inspectorPort?: number;
}

const HTTP_CONCURRENCY = 32;
/**
 * Local workerd commits a Durable Object's SQLite writes with an fsync on the thread that runs every
 * object's JavaScript; on this VM's shared virtual disk that wait, not the code, caps the edge. Production
 * storage does not fsync on the isolate's thread, so by default the bench keeps the files in RAM.
 */
const TMPFS = "/dev/shm";

export async function edgeTarget(options: EdgeTargetOptions): Promise<Target> {
  if (options.url) return new EdgeTarget(options.url.replace(/\/+$/, ""), options.pid ?? null, null);
  await buildWorker();
  const persistDir = mkdtempSync(join(options.storage === "tmpfs" ? TMPFS : tmpdir(), "edge-bench-"));
  const edge = await startEdge({
    bindings: limitBindings(options.rateLimit),
    persistDir,
    inspectorPort: options.inspectorPort,
  });
  return new EdgeTarget(edge.url, edge.pid(), edge);
}

/**
 * Every rate limit of the edge at `limit` per second and per burst, and the daily creation caps at `limit` too: the
 * bench measures throughput, not the limits (the wake scenario makes a user join 300 groups).
 */
export function limitBindings(limit: number): Record<string, string> {
  const value = String(limit);
  return Object.fromEntries([
    ...["RATE_LIMIT", "FANOUT_LIMIT", "FRAME_LIMIT"].flatMap((name) => [
      [`${name}_PER_SEC`, value],
      [`${name}_BURST`, value],
    ]),
    ["MAX_GROUPS_PER_DAY", value],
    ["MAX_DIRECTS_PER_DAY", value],
  ]);
}

function synced(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const onFrame = (data: WebSocket.RawData) => {
      if ((JSON.parse(String(data)) as { type: string }).type !== "synced") return;
      ws.off("message", onFrame);
      resolve();
    };
    ws.on("message", onFrame);
    ws.send(JSON.stringify({ type: "sync", since: Date.now() }));
  });
}

async function stopEdge(edge: Edge): Promise<void> {
  await edge.stop();
  rmSync(edge.persistDir, { recursive: true, force: true });
}

class EdgeTarget implements Target {
  readonly name = "edge" as const;
  readonly echoIsAck = false;
  readonly ackIsOwnCopy = true;

  private readonly forget: () => void;

  constructor(
    readonly url: string,
    readonly pid: number | null,
    private readonly edge: Edge | null,
  ) {
    this.forget = edge ? stopOnExit(() => stopEdge(edge)) : () => undefined;
  }

  async prepare(users: number, conversations: number[][]): Promise<Prepared> {
    const tag = runTag();
    const ids = Array.from({ length: users }, (_, i) => `b${tag}-u${i}`);
    const tokens = await inParallel(users, HTTP_CONCURRENCY, (i) => ChatApi.devToken(this.url, ids[i]!));
    // Groups take their members at once (their setting): the benchmark measures messages, not invites.
    await inParallel(users, HTTP_CONCURRENCY, (i) =>
      new ChatApi(this.url, tokens[i]!).settings({ groupAdds: "anyone" }),
    );
    const conversationIds = await inParallel(conversations.length, HTTP_CONCURRENCY, async (c) => {
      const [creator, ...others] = conversations[c]!;
      const api = new ChatApi(this.url, tokens[creator!]!);
      const info =
        others.length === 1
          ? await api.createDirect(ids[others[0]!]!)
          : await api.createGroup(
              others.map((u) => ids[u]!),
              `bench ${c}`,
            );
      return info.id;
    });
    const wsUrl = this.url.replace(/^http/, "ws");
    return {
      conversationIds,
      socket: (user) => ({
        url: `${wsUrl}/v1/connect?device=bench`,
        headers: { Authorization: `Bearer ${tokens[user]}` },
      }),
      // A device that connects attaches its paused conversations (they learned no device was there when they were
      // made); its first sync's answer says that is done.
      ready: (ws) => synced(ws),
    };
  }

  parse(text: string): Incoming {
    const frame = JSON.parse(text) as ServerFrame;
    switch (frame.type) {
      case "message":
        return { kind: "message", frame };
      case "ack":
        return { kind: "ack", clientMsgId: frame.clientMsgId, conversationId: frame.conversationId };
      case "error":
        return { kind: "refused", clientMsgId: frame.clientMsgId, code: frame.code };
      default:
        return { kind: "other" };
    }
  }

  async stop(): Promise<void> {
    this.forget();
    if (this.edge) await stopEdge(this.edge);
  }
}
