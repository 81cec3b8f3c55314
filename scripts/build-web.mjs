#!/usr/bin/env node
// Builds the chat page (web/) into static files the Worker serves through Workers Static Assets.
// wrangler runs this as the `[build]` command before `wrangler dev` and `wrangler deploy`; browser tests run it
// with `--outdir` into their own directory. Usage: node scripts/build-web.mjs [--outdir DIR] [--quiet]
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const outdir = resolve(root, flag("--outdir") ?? ".build/web");
const quiet = args.includes("--quiet");

function flag(name) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(root, "web/main.tsx"), styles: join(root, "web/styles.css") },
  outdir,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  // Two years of evergreen browsers; the client uses private fields and optional chaining.
  target: ["es2022", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  // No source maps: what is served is what is deployed, and the sources are not published.
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
// The service worker must sit at the root (its scope is the folder it is served from) and stay a plain script.
// `_headers` carries the page's security headers (Workers Static Assets applies it; it is never served itself).
for (const file of ["index.html", "sw.js", "_headers"]) copyFileSync(join(root, "web", file), join(outdir, file));

if (!quiet) {
  for (const file of ["index.html", "app.js", "styles.css", "sw.js"]) {
    const bytes = readFileSync(join(outdir, file));
    console.log(`web: ${file.padEnd(11)} ${String(bytes.length).padStart(7)} B  (${gzipSync(bytes).length} B gzip)`);
  }
}
