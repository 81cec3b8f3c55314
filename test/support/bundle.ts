/** Builds the Worker into one ES module for Miniflare, the way wrangler bundles it for deploy. */
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
export const WORKER_BUNDLE = resolve(ROOT, ".build/test/worker.js");

export async function buildWorker(outfile = WORKER_BUNDLE): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [resolve(ROOT, "workers/index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  return outfile;
}
