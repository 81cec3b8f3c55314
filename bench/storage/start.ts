/** Starts the storage probe (./worker.ts) in its own workerd, SQLite-backed, its files in /dev/shm like the bench's edge. */
import { Miniflare } from "miniflare";
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleForWorkerd, ROOT } from "../../test/support/bundle.js";
import { compatibilityDate, workerdPid } from "../../test/support/edge.js";

const PROBE_BUNDLE = resolve(ROOT, ".build/bench/storage-probe.js");

export interface ProbeRuntime {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startProbe(): Promise<ProbeRuntime> {
  await bundleForWorkerd("bench/storage/worker.ts", PROBE_BUNDLE);
  const persistDir = mkdtempSync(join("/dev/shm", "storage-probe-"));
  const mf = new Miniflare({
    modules: true,
    scriptPath: PROBE_BUNDLE,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    durableObjects: { PROBE: { className: "Probe", useSQLite: true } },
    durableObjectsPersist: persistDir,
  });
  const url = await mf.ready;
  return {
    url: url.origin,
    pid: workerdPid(),
    async stop() {
      await mf.dispose();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
