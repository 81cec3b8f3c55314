#!/usr/bin/env node
// `npm run types` writes the Worker's `Env` (workers/worker-configuration.d.ts) from wrangler.toml with `wrangler
// types`; `npm run types -- --check` (part of `npm run typecheck`) fails when the committed file is not what that
// writes now. Secrets are not read from a developer's .dev.vars (wrangler's own `--check` would), so the file is the
// same on every machine: the variables the edge reads, secrets included, are declared in durable-objects/config.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { devNull } from "node:os";

const TYPES = "workers/worker-configuration.d.ts";
const SCRATCH = "workers/.worker-configuration.check.d.ts";
const wrangler = new URL("../node_modules/.bin/wrangler", import.meta.url).pathname;

/** Runtime types come from @cloudflare/workers-types (tsconfig.json); plain `string` vars, as the dashboard may set any. */
function generate(path) {
  const args = ["types", path, "--include-runtime=false", "--strict-vars=false", `--env-file=${devNull}`];
  const run = spawnSync(wrangler, args, { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    process.exit(run.status ?? 1);
  }
}

if (!process.argv.includes("--check")) {
  generate(TYPES);
} else {
  try {
    generate(SCRATCH);
    const fresh = readFileSync(SCRATCH, "utf8").replaceAll(SCRATCH, TYPES);
    if (!existsSync(TYPES) || readFileSync(TYPES, "utf8") !== fresh) {
      console.error(`${TYPES} does not match wrangler.toml: run \`npm run types\` and commit it.`);
      process.exit(1);
    }
  } finally {
    rmSync(SCRATCH, { force: true });
  }
}
