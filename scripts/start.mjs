#!/usr/bin/env node
// `npm start`: the whole chat on this machine: `wrangler dev` on 127.0.0.1:$PORT (default 8787), with Durable
// Object state kept under .wrangler/. On first run it copies .dev.vars.example to .dev.vars (dev secret, DEV_AUTH=1).
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (local development secrets)");
}
const port = process.env.PORT ?? "8787";
const args = ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", ".wrangler/state", ...process.argv.slice(2)];
// wrangler itself, not through npx, so a SIGTERM sent to `npm start` reaches it and frees the port.
const child = spawn(new URL("../node_modules/.bin/wrangler", import.meta.url).pathname, args, {
  stdio: "inherit",
  env: { WRANGLER_SEND_METRICS: "false", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
