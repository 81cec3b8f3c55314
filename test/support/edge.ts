/**
 * Runs the real Worker and Durable Objects in workerd through Miniflare's API, on a loopback port, with
 * SQLite-backed objects persisted to a directory so a test can restart the runtime on the same state.
 */
import { Miniflare } from "miniflare";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { ConversationRpc, Remote, UserSessionRpc } from "../../durable-objects/rpc.js";
import { ROOT, WORKER_BUNDLE } from "./bundle.js";

export const TEST_SECRET = "test-secret";

export interface EdgeOptions {
  bindings?: Record<string, string>;
  persistDir?: string;
  port?: number;
  scriptPath?: string;
  /** Serve this directory as Workers Static Assets, routed by wrangler.toml's [assets] rules. */
  assetsDir?: string;
  /** Open workerd's inspector on this port (CPU profiles of the isolate: bench --inspect-port). */
  inspectorPort?: number;
  /** Every line workerd writes to stdout (with METER=log, the cost meter's lines among them). */
  onStdout?: (line: string) => void;
}

export interface Edge {
  url: string;
  wsUrl: string;
  persistDir: string;
  port: number;
  /** Disposes the runtime and starts a new one on the same port and the same persisted state. */
  restart(): Promise<void>;
  /** Like restart, but the runtime dies by SIGKILL first: no graceful anything, as in a crash. */
  crash(): Promise<void>;
  /** The workerd process serving this edge. */
  pid(): number;
  /**
   * An object's RPC stub, called from the test as another object or the Worker would call it (Miniflare proxies the
   * call into workerd): for paths no client can reach on its own, like a lost send result.
   */
  conversation(id: string): Promise<Remote<ConversationRpc>>;
  userSession(userId: string): Promise<Remote<UserSessionRpc>>;
  /** The keys in the attachments bucket under `prefix`: what an upload stored, or that a refusal stored nothing. */
  attachmentKeys(prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

const wranglerToml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
/** wrangler.toml's, so every local runtime (the edge, the bench's ceiling and probe) runs what deploy runs. */
export const compatibilityDate = setting("compatibility_date") as string;
export const compatibilityFlags = setting("compatibility_flags") as string[];

/** A top-level value of wrangler.toml; strings and arrays of strings read the same in TOML and JSON. */
function setting(key: string): unknown {
  const line = wranglerToml.match(new RegExp(`^${key}\\s*=\\s*(.+)$`, "m"));
  if (!line) throw new Error(`wrangler.toml has no ${key}`);
  return JSON.parse(line[1]!);
}

export async function startEdge(options: EdgeOptions = {}): Promise<Edge> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "edge-chat-"));
  // Port 0: the runtime binds a free port itself. A port picked beforehand (listen on 0, close, hand it over)
  // was taken by someone else in between about once in 25 runs of the suite (ERR_ADDRESS_IN_USE).
  let mf = await launch(options, persistDir, options.port ?? 0);
  const port = Number((await mf.ready).port);
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    persistDir,
    port,
    async restart() {
      await mf.dispose();
      mf = await launch(options, persistDir, port);
    },
    async crash() {
      process.kill(workerdPid(), "SIGKILL");
      await mf.dispose().catch(() => undefined);
      mf = await launch(options, persistDir, port);
    },
    pid: () => workerdPid(),
    async conversation(id) {
      const namespace = await mf.getDurableObjectNamespace("CONVERSATION");
      return namespace.get(namespace.idFromName(id)) as unknown as Remote<ConversationRpc>;
    },
    async userSession(userId) {
      const namespace = await mf.getDurableObjectNamespace("USER_SESSION");
      return namespace.get(namespace.idFromName(userId)) as unknown as Remote<UserSessionRpc>;
    },
    async attachmentKeys(prefix) {
      const bucket = await mf.getR2Bucket("ATTACHMENTS");
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor });
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys;
    },
    async stop() {
      await mf.dispose();
    },
  };
}

async function launch(options: EdgeOptions, persistDir: string, port: number): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: options.scriptPath ?? WORKER_BUNDLE,
    compatibilityDate,
    compatibilityFlags,
    host: "127.0.0.1",
    port,
    durableObjects: {
      USER_SESSION: { className: "UserSession", useSQLite: true },
      CONVERSATION: { className: "Conversation", useSQLite: true },
      MODERATION: { className: "Moderation", useSQLite: true },
    },
    durableObjectsPersist: persistDir,
    r2Buckets: ["ATTACHMENTS"],
    r2Persist: join(persistDir, "r2"),
    bindings: { AUTH_SECRET: TEST_SECRET, DEV_AUTH: "1", ...options.bindings },
    ...(options.assetsDir ? { assets: assetsOptions(options.assetsDir) } : {}),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.onStdout
      ? { handleRuntimeStdio: (stdout: Readable, stderr: Readable) => readLines(stdout, stderr, options.onStdout!) }
      : {}),
  });
  await mf.ready;
  return mf;
}

/** The same "assets never shadow the API" routing as wrangler.toml's [assets] section. */
function assetsOptions(directory: string) {
  return {
    directory,
    routerConfig: { has_user_worker: true, static_routing: { user_worker: setting("run_worker_first") as string[] } },
    assetConfig: { not_found_handling: setting("not_found_handling") as "none" },
  };
}

/** Hands every stdout line to `onLine`; stderr goes on to this process's stderr, as Miniflare would print it. */
function readLines(stdout: Readable, stderr: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stdout, crlfDelay: Infinity }).on("line", onLine);
  // Not `pipe`: it leaves listeners on process.stderr for every runtime a long bench starts and disposes.
  stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
}

/** Miniflare does not expose its workerd child; it is the one child of this process running workerd. */
export function workerdPid(parent = process.pid): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("workerd")) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no workerd child of ${parent}`);
}
