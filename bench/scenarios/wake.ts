/**
 * `wake`: what it costs to wake a hibernated UserSession, for a user in many conversations next to a user in
 * one. Each user keeps one socket; after a quiet spell long enough for the sessions to hibernate, each sends a
 * `sync` that needs the object (JavaScript, its SQLite), and the time to its `synced` answer is the wake.
 * A third user is woken first each time: whoever goes first after a quiet spell also pays the runtime's own
 * housekeeping (~10 ms here), which would otherwise land on one of the two measured users.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Options } from "../cli.js";
import { Api, type UserApi } from "../../test/support/api.js";
import { buildWorker } from "../../test/support/bundle.js";
import { startEdge } from "../../test/support/edge.js";
import { limitBindings } from "../targets/edge.js";
import { TestSocket } from "../../test/support/socket.js";

/** Local workerd hibernates an object with only hibernatable sockets after ~10 s without events. */
const QUIET_MS = 13_000;
const GROUP_SIZE = 6;

export interface WakeReport {
  scenario: "wake";
  conversations: number;
  /** ms from a `sync` frame to its `synced` answer on a hibernated session, each sample, then the median. */
  heavy: { samples: number[]; median: number };
  light: { samples: number[]; median: number };
  ok: boolean;
}

export async function runWake(o: Options): Promise<WakeReport> {
  await buildWorker();
  const persistDir = mkdtempSync(join("/dev/shm", "edge-bench-"));
  const edge = await startEdge({ persistDir, bindings: limitBindings(o.rateLimit) });
  try {
    const api = new Api(edge.url);
    const [heavy, light, first] = await Promise.all(["wake-heavy", "wake-light", "wake-first"].map((id) => api.as(id)));
    await joinGroups(heavy!, o.conversations);
    await light!.direct("wake-peer");
    await first!.direct("wake-peer");
    const sockets = await Promise.all(
      [heavy!, light!, first!].map((u) => TestSocket.open(edge.wsUrl, u.token, "bench")),
    );
    const [heavySocket, lightSocket, firstSocket] = sockets as [TestSocket, TestSocket, TestSocket];
    const samples = { heavy: [] as number[], light: [] as number[] };
    for (let i = 0; i < o.samples; i++) {
      await new Promise((r) => setTimeout(r, QUIET_MS));
      await timedSync(firstSocket);
      const order = i % 2 === 0 ? (["heavy", "light"] as const) : (["light", "heavy"] as const);
      for (const who of order) samples[who].push(await timedSync(who === "heavy" ? heavySocket : lightSocket));
      process.stderr.write(
        `[wake] sample ${i + 1}/${o.samples}: heavy ${samples.heavy.at(-1)!.toFixed(2)} ms, light ${samples.light.at(-1)!.toFixed(2)} ms\n`,
      );
    }
    await Promise.all(sockets.map((s) => s.close()));
    return {
      scenario: "wake",
      conversations: o.conversations,
      heavy: summary(samples.heavy),
      light: summary(samples.light),
      ok: true,
    };
  } finally {
    await edge.stop();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

export function describeWake(r: WakeReport): string {
  const line = (name: string, s: { samples: number[]; median: number }) =>
    `${name.padEnd(34)}${s.median.toFixed(2).padStart(8)} ms   (${s.samples.map((x) => x.toFixed(2)).join(" / ")})`;
  return [
    `wake: a sync on a hibernated UserSession, median of ${r.heavy.samples.length}`,
    "",
    line(`user in ${r.conversations} groups of ${GROUP_SIZE}`, r.heavy),
    line("user in 1 direct conversation", r.light),
  ].join("\n");
}

/** The user creates `count` groups, 20 at a time, each with fresh members (their sessions stay cold). */
async function joinGroups(user: UserApi, count: number): Promise<void> {
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) => i + j);
    await Promise.all(
      batch.map((n) =>
        user.createGroup(
          Array.from({ length: GROUP_SIZE - 1 }, (_, m) => `wake-m${n}-${m}`),
          `group ${n}`,
        ),
      ),
    );
  }
}

/** ms until the answer of a sync of what changed since now (nothing: the state frame lists none). */
async function timedSync(socket: TestSocket): Promise<number> {
  const started = performance.now();
  socket.send({ type: "sync", since: Date.now() });
  await socket.waitForType("synced", () => true, 10_000);
  return performance.now() - started;
}

function summary(samples: number[]): { samples: number[]; median: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
}
