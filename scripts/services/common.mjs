// Shared plumbing for scripts/services.mjs: where state lives, finding Java 17,
// fetching a server's classpath from Maven Central once, and detached processes
// tracked by pid files. Only node: built-ins, so it runs before `npm install`.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HOST = "127.0.0.1";
export const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url)); // scripts/services
export const REPO_ROOT = path.resolve(SCRIPT_DIR, "..", "..");
export const STATE_DIR = path.resolve(process.env.SERVICES_DIR || path.join(REPO_ROOT, ".services"));
export const LOG_DIR = path.join(STATE_DIR, "logs");
export const RUN_DIR = path.join(STATE_DIR, "run");

/** An error whose message is meant for the user as is (no stack trace). */
export class ServiceError extends Error {}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function ensureStateDirs() {
  for (const d of [STATE_DIR, LOG_DIR, RUN_DIR]) fs.mkdirSync(d, { recursive: true });
  // Self-ignoring state dir: stays out of git even where .gitignore lacks the entry.
  const ignore = path.join(STATE_DIR, ".gitignore");
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, "*\n");
}

// ---------------------------------------------------------------- Java 17

function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ["-version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  if (!m) return null;
  return m[1] === "1" ? Number(m[2]) : Number(m[1]); // "1.8.0" style for old JDKs
}

let java17;
/** Cassandra 5.0 runs on Java 11/17 only, and this machine also has a JDK 25: pick 17 explicitly. */
export function findJava17() {
  if (java17) return java17;
  const candidates = [];
  if (process.env.JAVA17_HOME) candidates.push(path.join(process.env.JAVA17_HOME, "bin", "java"));
  candidates.push("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "/usr/lib/jvm/java-17-openjdk-arm64/bin/java");
  candidates.push("java"); // PATH, accepted only if it is a 17
  for (const bin of candidates) {
    if (bin !== "java" && !fs.existsSync(bin)) continue;
    if (javaMajor(bin) === 17) return (java17 = bin);
  }
  throw new ServiceError(
    "Java 17 not found (tried $JAVA17_HOME, /usr/lib/jvm/java-17-openjdk-*, java on PATH).\n" +
      "  Install it with: apt-get update && apt-get install -y openjdk-17-jdk-headless\n" +
      "  or point JAVA17_HOME at a JDK 17.",
  );
}

// ---------------------------------------------------------------- child processes

/** Run a command to completion with output to a log file; resolves with the exit code. */
export function run(cmd, args, logFile, opts = {}) {
  const fd = fs.openSync(logFile, "a");
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], ...opts });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(signal ? 128 : code));
  }).finally(() => fs.closeSync(fd));
}

/** The last `lines` lines of a file, reading only what was written after byte `from`. */
export function tail(file, lines = 40, from = 0) {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(from, size - 256 * 1024); // enough for 40 lines, bounded for huge logs
    const fd = fs.openSync(file, "r");
    const buf = Buffer.alloc(Math.max(size - start, 0));
    fs.readSync(fd, buf, 0, buf.length, start);
    fs.closeSync(fd);
    const text = buf.toString("utf8").trim();
    return text ? text.split("\n").slice(-lines).join("\n") : "";
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------- Maven classpaths

/**
 * Resolve the runtime classpath of `pomFile` into <state>/<name>-lib, once.
 * The cache is keyed on the POM's content (a version bump refetches), and filled in a
 * temporary folder renamed at the end, so an interrupted fetch is never mistaken for a cache.
 */
export async function ensureLib(name, pomFile, log = () => {}) {
  const libDir = path.join(STATE_DIR, `${name}-lib`);
  const stamp = path.join(libDir, ".pom-sha256");
  const hash = createHash("sha256").update(fs.readFileSync(pomFile)).digest("hex");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8").trim() === hash) return libDir;

  const mvnCheck = spawnSync("mvn", ["-v"], { encoding: "utf8" });
  if (mvnCheck.error) {
    throw new ServiceError(`${name}: mvn not found; install it with: apt-get update && apt-get install -y maven`);
  }
  log(
    `${name}: fetching runtime jars from Maven Central into ${path.relative(REPO_ROOT, libDir) || libDir} (first run only)`,
  );
  const tmpDir = `${libDir}.tmp`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const mvnLog = path.join(LOG_DIR, `mvn-${name}.log`);
  fs.writeFileSync(mvnLog, "");
  const code = await run(
    "mvn",
    [
      "-B",
      "-q",
      "-f",
      pomFile,
      // Pinned: Maven 3.8's default dependency plugin is too old for these POMs.
      "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${tmpDir}`,
    ],
    mvnLog,
    { env: { ...process.env, MAVEN_OPTS: process.env.MAVEN_OPTS || "-Xmx512m" } },
  );
  if (code !== 0) {
    throw new ServiceError(`${name}: mvn failed (exit ${code}); last lines of ${mvnLog}:\n${tail(mvnLog)}`);
  }
  fs.writeFileSync(path.join(tmpDir, ".pom-sha256"), hash + "\n");
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.renameSync(tmpDir, libDir);
  return libDir;
}

// ---------------------------------------------------------------- pid files

export const pidFile = (name) => path.join(RUN_DIR, `${name}.pid`);

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** A zombie still answers kill(0) until its parent reaps it; /proc tells them apart. */
function isRunning(pid) {
  if (!isAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/**
 * The pid from `name`'s pid file if that process is alive and its command line still
 * contains `marker` (guards against a recycled pid); otherwise removes the stale file.
 */
export function readPid(name, marker, file = pidFile(name)) {
  let pid;
  try {
    pid = Number(fs.readFileSync(file, "utf8").trim());
  } catch {
    return null;
  }
  let cmdline = "";
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {}
  if (pid > 0 && isRunning(pid) && cmdline.includes(marker)) return pid;
  fs.rmSync(file, { force: true });
  return null;
}

/**
 * Start a long-lived server that outlives this script: own session (detached), stdout and
 * stderr appended to `logFile`, no handle kept open by Node (unref).
 */
export function spawnDetached(name, cmd, args, logFile, { pidPath = pidFile(name), ...opts } = {}) {
  const fd = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], ...opts });
  fs.closeSync(fd);
  child.unref();
  if (!child.pid) throw new ServiceError(`${name}: could not start ${cmd}`);
  fs.writeFileSync(pidPath, `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM (or `signal`), wait up to graceMs, then SIGKILL. Resolves once the process is gone. */
export async function stopPid(name, pid, { signal = "SIGTERM", graceMs = 30_000, pidPath = pidFile(name) } = {}) {
  try {
    process.kill(pid, signal);
  } catch {}
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await sleep(200);
  if (isRunning(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
    while (isRunning(pid)) await sleep(100);
  }
  // A JVM's main thread turns zombie before its other threads have exited and its sockets
  // are closed; wait until it is reaped (ESRCH) so an immediate restart finds its ports free.
  const reapDeadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < reapDeadline) await sleep(50);
  fs.rmSync(pidPath, { force: true });
}

export { isRunning };
