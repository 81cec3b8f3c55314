/**
 * The origin under test in Node processes of its own (origin/main.ts, as `npm run origin` runs it), never in the
 * bench's: there, the bench's HTTP client and request signing competed with ingest and persister for one thread.
 * `--origin-processes 2` (the default) runs ingest and persister in one process each, as `ORIGIN_SERVICES` allows
 * a deployment to scale them apart; `1` runs both in one, as `npm run origin` does by default. With `--cpu-prof`
 * each process runs under `node --cpu-prof` and its profile is summarised after it exits.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withTimeout } from "../../origin/shared/timeout.js";
import { spawnOrigin, type ChildOrigin } from "../../test/origin/support.js";
import { CpuMeter } from "../proc.js";
import { summarize } from "../profile.js";

export interface OriginProcesses {
  /** Where ingest listens. */
  url: string;
  /** Starts measuring the processes' CPU. */
  meter(): () => number;
  /** Stops every process; with `--cpu-prof`, prints where each spent its time from `profileFrom` (performance.now()) on. */
  stop(profileFrom?: number): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

interface Running {
  name: string;
  origin: ChildOrigin;
  profileDir: string | null;
}

export async function startOrigin(
  env: Record<string, string>,
  processes: number,
  cpuProf: boolean,
): Promise<OriginProcesses> {
  const layout =
    processes === 1
      ? [{ name: "origin", services: "ingest,persister" }]
      : [
          { name: "ingest", services: "ingest" },
          { name: "persister", services: "persister" },
        ];
  const running: Running[] = [];
  let url = "";
  const stop = async (profileFrom?: number) => {
    const stoppedAt = performance.now();
    await Promise.all(running.map((r) => stopOne(r, profileFrom === undefined ? Infinity : stoppedAt - profileFrom)));
  };
  try {
    for (const { name, services } of layout) {
      const profileDir = cpuProf ? mkdtempSync(join(tmpdir(), `bench-${name}-`)) : null;
      // Every process binds a free port (the ingest's is read from its log): picking one beforehand is racy.
      const origin = spawnOrigin(
        { ...env, ORIGIN_PORT: "0" },
        services,
        profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
      );
      running.push({ name, origin, profileDir });
      const served = await withTimeout(origin.started, START_TIMEOUT_MS, `${name} process start`).catch(
        (error: unknown) => {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n${origin.output().slice(-2000)}`);
        },
      );
      if (services.includes("ingest")) url = served;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    meter() {
      const meters = running.map((r) => new CpuMeter(r.origin.child.pid!));
      return () => meters.reduce((n, m) => n + m.load(), 0);
    },
    stop,
  };
}

async function stopOne({ name, origin, profileDir }: Running, profileWindowMs: number): Promise<void> {
  origin.child.kill("SIGTERM");
  await withTimeout(origin.exited, STOP_TIMEOUT_MS, `${name} process exit`).catch(() => origin.child.kill("SIGKILL"));
  if (!profileDir) return;
  try {
    const [file] = readdirSync(profileDir);
    if (!file) return;
    const target = `bench-${name}.cpuprofile`;
    copyFileSync(join(profileDir, file), target);
    process.stderr.write(
      `${name} process CPU profile (${target}):\n${summarize(JSON.parse(readFileSync(target, "utf8")), 30, profileWindowMs)}\n`,
    );
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}
