/**
 * Starts the ceiling worker (./worker.ts) in its own workerd through Miniflare's API: bundled like the edge
 * (test/support/bundle.ts: one ES module, workerd conditions), same compatibility date, same host.
 */
import { Miniflare } from "miniflare";
import { resolve } from "node:path";
import { bundleForWorkerd, ROOT } from "../../test/support/bundle.js";
import { compatibilityDate } from "../../test/support/edge.js";

const CEILING_BUNDLE = resolve(ROOT, ".build/bench/ceiling.js");

export interface Ceiling {
  url: string;
  stop(): Promise<void>;
}

export async function startCeiling(): Promise<Ceiling> {
  await bundleForWorkerd("bench/ceiling/worker.ts", CEILING_BUNDLE);
  const mf = new Miniflare({
    modules: true,
    scriptPath: CEILING_BUNDLE,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    durableObjects: { ROOM: "Room", FANOUT: "Fanout", PERSON: "Person" },
    // No storage at all: the rooms live in memory (no SQLite file per object, as Miniflare gives otherwise).
    unsafeEphemeralDurableObjects: true,
  });
  const url = await mf.ready;
  return { url: url.origin, stop: () => mf.dispose() };
}
