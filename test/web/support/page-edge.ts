/**
 * The edge as test/support/edge.ts runs it (the real Worker and Durable Objects in workerd, persisted state,
 * restartable), plus the built chat page served through Workers Static Assets with the routing rules of
 * wrangler.toml's [assets] section, so the tests check the same "assets never shadow the API" setup.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { ROOT, WORKER_BUNDLE } from "../../support/bundle.js";
import { freePort, TEST_SECRET } from "../../support/edge.js";

const wranglerToml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
const compatibilityDate = setting("compatibility_date") as string;

/** A top-level value of wrangler.toml; strings and arrays of strings read the same in TOML and JSON. */
function setting(key: string): unknown {
  const line = wranglerToml.match(new RegExp(`^${key}\\s*=\\s*(.+)$`, "m"));
  if (!line) throw new Error(`wrangler.toml has no ${key}`);
  return JSON.parse(line[1]!);
}

/** Builds the page the way wrangler's [build] command does, into a directory of its own. */
export function buildPage(): string {
  const outdir = mkdtempSync(join(tmpdir(), "edge-chat-web-"));
  execFileSync(process.execPath, [resolve(ROOT, "scripts/build-web.mjs"), "--outdir", outdir, "--quiet"], { stdio: "inherit" });
  return outdir;
}

export interface PageEdge {
  url: string;
  /** Disposes the runtime and starts a new one on the same port and the same persisted state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPageEdge(assetsDir: string, bindings: Record<string, string> = {}): Promise<PageEdge> {
  const persistDir = mkdtempSync(join(tmpdir(), "edge-chat-"));
  const port = await freePort();
  const launch = async () => {
    const mf = new Miniflare({
      modules: true,
      scriptPath: WORKER_BUNDLE,
      compatibilityDate,
      host: "127.0.0.1",
      port,
      durableObjects: {
        USER_SESSION: { className: "UserSession", useSQLite: true },
        CONVERSATION: { className: "Conversation", useSQLite: true },
      },
      durableObjectsPersist: persistDir,
      bindings: { AUTH_SECRET: TEST_SECRET, DEV_AUTH: "1", ...bindings },
      assets: {
        directory: assetsDir,
        routerConfig: { has_user_worker: true, static_routing: { user_worker: setting("run_worker_first") as string[] } },
        assetConfig: { not_found_handling: setting("not_found_handling") as "none" },
      },
    });
    await mf.ready;
    return mf;
  };
  let mf = await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    async restart() {
      await mf.dispose();
      mf = await launch();
    },
    async stop() {
      await mf.dispose();
    },
  };
}
