// Lifecycle of the local test servers (Kafka, Cassandra, Redis), usable from scripts/services.mjs
// and from tests, e.g. a fault-injection test:
//   import { killKafka, startKafka } from '../scripts/services/lib.mjs';
//   await killKafka();            // SIGKILL, as a crash would
//   await startKafka();           // resolves once Kafka serves clients again
// Every function resolves with a plain object describing what happened, or rejects with a
// ServiceError whose message is meant for people (it includes the server's log tail).
import fs from "node:fs";
import path from "node:path";
import {
  HOST,
  REPO_ROOT,
  ServiceError,
  ensureStateDirs,
  isRunning,
  pidFile,
  readPid,
  sleep,
  spawnDetached,
  stopPid,
  tail,
} from "./common.mjs";
import { portOpen } from "./probes.mjs";
import { cassandra } from "./cassandra.mjs";
import { kafka } from "./kafka.mjs";
import { redis } from "./redis.mjs";

export { ServiceError, STATE_DIR } from "./common.mjs";
export { probeCassandra, probeKafka, probeRedis } from "./probes.mjs";

/** Our live process of `svc`, by its pid file (a cluster node keeps its own, `svc.pidFile`). */
const ourPid = (svc) => readPid(svc.name, svc.marker, svc.pidFile);
const pidOptions = (svc) => (svc.pidFile ? { pidPath: svc.pidFile } : {});
const hostOf = (svc) => svc.host ?? HOST;

/** Every service the CLI knows, by name. */
export const SERVICES = { kafka, cassandra, redis };

/** Byte offsets where each log file ends now, so a failure report shows only this attempt's lines. */
function logOffsets(svc) {
  return svc.logFiles.map((f) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  });
}

function logTails(svc, offsets = [], lines = 40) {
  const parts = svc.logFiles.map((f, i) => {
    const text = tail(f, lines, offsets[i] ?? 0)
      .split("\n")
      .map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l)) // e.g. Cassandra's one-line Netty version list
      .join("\n");
    return text ? `--- last lines of ${path.relative(REPO_ROOT, f) || f}\n${text}` : "";
  });
  return parts.filter(Boolean).join("\n") || "(the logs have nothing new)";
}

/** One probe, no waiting: { name, up, address, pid, owner, detail }. */
export async function status(svc) {
  const pid = ourPid(svc);
  let up = false;
  let detail;
  try {
    detail = await svc.probe();
    up = true;
  } catch (e) {
    detail = e.message;
  }
  const owner = pid ? `ours (pid ${pid})` : up ? "foreign (reused)" : "-";
  return { name: svc.name, up, address: `${hostOf(svc)}:${svc.port}`, pid, owner, detail };
}

/**
 * Poll the protocol probe until it succeeds. Fails early if `pid` (the process we started)
 * dies, and after `timeoutMs` otherwise; both failures carry the log tails.
 */
export async function waitFor(svc, { timeoutMs = svc.readyTimeoutMs, pid = ourPid(svc), logOffsets: offsets } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "not probed";
  for (;;) {
    try {
      return await svc.probe();
    } catch (e) {
      last = e.message;
    }
    if (pid && !isRunning(pid)) {
      throw new ServiceError(`${svc.name}: process ${pid} exited while starting\n${logTails(svc, offsets)}`);
    }
    if (Date.now() >= deadline) {
      throw new ServiceError(
        `${svc.name}: not ready after ${Math.round(timeoutMs / 1000)} s (${last})\n${logTails(svc, offsets)}`,
      );
    }
    await sleep(1000);
  }
}

/**
 * Make sure the service answers on its port: reuse whatever already answers correctly
 * (ours or foreign), wait for one of ours that is still starting, or start a new one.
 * Resolves with { name, state: 'running'|'reused'|'started', pid, detail, seconds }.
 */
export async function start(svc, { log = () => {} } = {}) {
  ensureStateDirs();
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 100) / 10;
  const pid = ourPid(svc);
  try {
    const detail = await svc.probe();
    return { name: svc.name, state: pid ? "running" : "reused", pid, detail, seconds: seconds() };
  } catch {}
  if (pid) {
    log(`${svc.name}: pid ${pid} is ours but not ready yet; waiting`);
    const detail = await waitFor(svc, { pid });
    return { name: svc.name, state: "running", pid, detail, seconds: seconds() };
  }
  for (const port of [svc.port, ...svc.auxPorts]) {
    if (await portOpen(port, 1000, hostOf(svc))) {
      throw new ServiceError(
        `${svc.name}: port ${port} is taken by a program that does not answer like ${svc.name}; not starting another ` +
          `(see: ss -ltnp 'src ${hostOf(svc)}:${port}')`,
      );
    }
  }
  const { cmd, args, logFile } = await svc.prepare(log);
  const offsets = logOffsets(svc);
  fs.appendFileSync(logFile, `\n=== ${new Date().toISOString()} scripts/services.mjs starting ${svc.name}\n`);
  const newPid = spawnDetached(svc.name, cmd, args, logFile, { cwd: path.dirname(logFile), ...pidOptions(svc) });
  log(`${svc.name}: started pid ${newPid}, waiting until it serves clients`);
  const detail = await waitFor(svc, { pid: newPid, logOffsets: offsets });
  return { name: svc.name, state: "started", pid: newPid, detail, seconds: seconds() };
}

/** Graceful stop of our own process (SIGTERM, SIGKILL after svc.stopGraceMs). Foreign servers are left alone. */
export async function stop(svc) {
  const pid = ourPid(svc);
  if (!pid) return { name: svc.name, state: "not ours" };
  await stopPid(svc.name, pid, { graceMs: svc.stopGraceMs, ...pidOptions(svc) });
  return { name: svc.name, state: "stopped", pid };
}

/**
 * SIGKILL our own process, as a crash would; resolves once it is gone. Rejects when there is
 * none, so a fault-injection test cannot silently inject nothing.
 */
export async function kill(svc) {
  const pid = ourPid(svc);
  if (!pid) {
    throw new ServiceError(
      `${svc.name}: no process of ours to kill (no live pid file ${path.relative(REPO_ROOT, svc.pidFile ?? pidFile(svc.name))})`,
    );
  }
  await stopPid(svc.name, pid, { signal: "SIGKILL", graceMs: 5_000, ...pidOptions(svc) });
  return { name: svc.name, state: "killed", pid };
}

/** Delete a stopped service's data (not the lib caches). Refuses while our process still runs. */
export function purge(svc) {
  if (ourPid(svc)) throw new ServiceError(`${svc.name}: still running, not purging`);
  const existing = svc.dataDirs.filter((d) => fs.existsSync(d));
  for (const d of existing) fs.rmSync(d, { recursive: true, force: true });
  return { name: svc.name, state: existing.length ? "purged" : "no data" };
}

export const startKafka = (o) => start(kafka, o);
export const stopKafka = () => stop(kafka);
export const killKafka = () => kill(kafka);
export const waitForKafka = (o) => waitFor(kafka, o);
export const startCassandra = (o) => start(cassandra, o);
export const stopCassandra = () => stop(cassandra);
export const killCassandra = () => kill(cassandra);
export const waitForCassandra = (o) => waitFor(cassandra, o);
export const startRedis = (o) => start(redis, o);
export const waitForRedis = (o) => waitFor(redis, o);
