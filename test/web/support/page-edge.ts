/**
 * The edge as test/support/edge.ts runs it (the real Worker and Durable Objects in workerd, persisted state,
 * restartable), plus the built chat page served through Workers Static Assets with the routing rules of
 * wrangler.toml's [assets] section, so the tests check the same "assets never shadow the API" setup.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT } from "../../support/bundle.js";
import { startEdge, type Edge } from "../../support/edge.js";

export type PageEdge = Edge;

/** Builds the page the way wrangler's [build] command does, into a directory of its own. */
export function buildPage(): string {
  const outdir = mkdtempSync(join(tmpdir(), "edge-chat-web-"));
  execFileSync(process.execPath, [resolve(ROOT, "scripts/build-web.mjs"), "--outdir", outdir, "--quiet"], {
    stdio: "inherit",
  });
  return outdir;
}

export function startPageEdge(assetsDir: string, bindings: Record<string, string> = {}): Promise<PageEdge> {
  return startEdge({ assetsDir, bindings });
}
