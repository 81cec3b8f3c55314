/** Builds the Worker (and the bench's and tests' other workers) into one ES module for Miniflare, as wrangler bundles for deploy. */
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
export const WORKER_BUNDLE = resolve(ROOT, ".build/test/worker.js");

export async function buildWorker(outfile = WORKER_BUNDLE): Promise<string> {
  return bundleForWorkerd("workers/index.ts", outfile, { sourcemap: "inline" });
}

/** Bundles `entry` (relative to the repository) into one ES module with workerd's conditions, at `outfile`. */
export async function bundleForWorkerd(
  entry: string,
  outfile: string,
  options: { sourcemap?: "inline" } = {},
): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
    ...options,
  });
  return outfile;
}
