/**
 * `connections`: N idle device sockets (one user each, so one object each) and what they cost workerd:
 * resident memory per socket, and CPU per keep-alive ping. After opening, three phases of `--hold` seconds:
 * idle (nothing sent); pinging (`{"type":"ping"}` exactly, answered by the runtime itself through
 * `setWebSocketAutoResponse`, without waking the object); waking (a ping spelled with a space, which the
 * auto-response does not match, so each one runs the object's `webSocketMessage`, waking it if it was
 * hibernated). Waking is the control: what a ping would cost if it woke objects. Our edge and the ceiling
 * (one Room object per socket, the same auto-response) are measured alike.
 */
import type WebSocket from "ws";
import type { Options } from "../cli.js";
import { hold, mib, sleep, type PhaseResult } from "../load/hold.js";
import { PING, Pinger, WAKING_PING } from "../load/pinger.js";
import { round3 } from "../load/result.js";
import { closeAll, inParallel, openSocket, sourceAddress } from "../load/sockets.js";
import { mapCount, openFds, rssKiB } from "../proc.js";
import { Progress } from "../progress.js";
import { machine, median } from "../report.js";
import { ceilingTarget } from "../targets/ceiling.js";
import { edgeTarget } from "../targets/edge.js";
import type { Prepared, Target } from "../targets/target.js";

const CONNECT_CONCURRENCY = 256;
/**
 * workerd's open-files limit is 20,000, like ours. A socket is one fd, but a UserSession that is awake also
 * holds its SQLite database open (db, -wal, -shm: 3 fds) until the runtime hibernates it, some seconds after
 * its last event. Opening pauses while workerd is above this budget, so the objects woken by the newest
 * upgrades never push it over the limit.
 */
const WORKERD_FD_BUDGET = 19_000;
/**
 * Awake objects are limited too: with about 2,200 UserSessions awake at once (opening ~220 sockets/s),
 * workerd refused upgrades with "SQLite failed: out of memory: SQLITE_NOMEM", with GiBs of RAM free and
 * ~1,000 memory mappings, so some limit of the runtime's own. Opening pauses while more than this many
 * objects are awake (estimated as (fds − sockets) / 3).
 */
const AWAKE_BUDGET = 1_000;
/** The waking phase pings only this many sockets: each object it wakes holds 3 fds while awake. */
const WAKE_SAMPLE = 1_000;

export interface ConnectionsResult {
  target: "edge" | "ceiling";
  opened: number;
  openSeconds: number;
  workerdRssBeforeKiB: number | null;
  workerdRssOpenKiB: number | null;
  /** (workerd RSS − before) / sockets, KiB: right after opening, and at the end of each phase. */
  kibPerConnection: Record<"open" | PhaseResult["phase"], number | null>;
  workerdFdsAtEnd: number | null;
  /** workerd's memory mappings with every socket open (vm.max_map_count bounds them). */
  workerdMapsOpen: number | null;
  /** Connection attempts that failed (reset, refused, timed out) and were retried, as a device would. */
  connectRetries: number;
  benchRssKiB: number | null;
  phases: PhaseResult[];
  ok: boolean;
}

export interface ConnectionsReport {
  scenario: "connections";
  machine: ReturnType<typeof machine>;
  connections: number;
  sourceIps: number;
  pingIntervalS: number;
  runs: ConnectionsResult[][];
  ok: boolean;
}

export async function runConnections(o: Options): Promise<ConnectionsReport> {
  const runs: ConnectionsResult[][] = [];
  for (let run = 1; run <= o.runs; run++) {
    const results = [
      await measureOn(await edgeTarget({ url: o.url, pid: o.pid, rateLimit: o.rateLimit, storage: o.storage }), o, run),
    ];
    if (o.ceiling) results.push(await measureOn(await ceilingTarget(), o, run));
    runs.push(results);
  }
  return {
    scenario: "connections",
    machine: machine(),
    connections: o.connections,
    sourceIps: o.sourceIps,
    pingIntervalS: o.pingInterval,
    runs,
    ok: runs.flat().every((r) => r.ok),
  };
}

async function measureOn(target: Target, o: Options, run: number): Promise<ConnectionsResult> {
  const progress = new Progress(`connections ${target.name} #${run}`);
  try {
    return await measure(target, o, progress);
  } finally {
    progress.done();
    await target.stop();
  }
}

async function measure(target: Target, o: Options, progress: Progress): Promise<ConnectionsResult> {
  const { pid } = target;
  const rss = (): number | null => (pid === null ? null : rssKiB(pid));
  const prepared = await target.prepare(o.connections, []);
  const rssBefore = rss();
  const started = performance.now();
  const { sockets, pinger, retries } = await openAll(prepared, o, pid, progress);
  const openSeconds = round3((performance.now() - started) / 1000);
  const rssOpen = rss();
  const mapsOpen = pid === null ? null : mapCount(pid);
  const idle = await hold("idle", null, o, pid, pinger, progress, null);
  const pinging = await hold("pinging", PING, o, pid, pinger, progress, idle.workerdCores);
  const waking = await hold(
    "waking",
    WAKING_PING,
    o,
    pid,
    new Pinger(sockets.slice(0, WAKE_SAMPLE), pinger),
    progress,
    idle.workerdCores,
  );
  const perSocket = (kib: number | null): number | null =>
    kib === null || rssBefore === null ? null : round3((kib - rssBefore) / sockets.length);
  const result: ConnectionsResult = {
    target: target.name,
    opened: sockets.length,
    openSeconds,
    workerdRssBeforeKiB: rssBefore,
    workerdRssOpenKiB: rssOpen,
    kibPerConnection: {
      open: perSocket(rssOpen),
      idle: perSocket(idle.rssKiB),
      pinging: perSocket(pinging.rssKiB),
      waking: perSocket(waking.rssKiB),
    },
    workerdFdsAtEnd: pid === null ? null : openFds(pid),
    workerdMapsOpen: mapsOpen,
    connectRetries: retries,
    benchRssKiB: rssKiB(process.pid),
    phases: [idle, pinging, waking],
    ok: sockets.length === o.connections && [pinging, waking].every((p) => p.pongs === p.frames),
  };
  closeAll(sockets);
  return result;
}

/** Opens `--connections` sockets, pacing itself by workerd's fds and awake objects (see the budgets above). */
async function openAll(
  prepared: Prepared,
  o: Options,
  pid: number | null,
  progress: Progress,
): Promise<{ sockets: WebSocket[]; pinger: Pinger; retries: number }> {
  const sockets: WebSocket[] = [];
  const pinger = new Pinger(sockets);
  const retries = { count: 0 };
  const started = performance.now();
  // Counting workerd's fds lists /proc/<pid>/fd (thousands of entries): at most every 200 ms, not per socket.
  const fds = every(200, () => (pid === null ? 0 : openFds(pid)));
  const note = every(1000, () => {
    const elapsed = (performance.now() - started) / 1000;
    const memory = pid === null ? "" : `, workerd RSS ${mib(rssKiB(pid))} MiB, fds ${fds()}, maps ${mapCount(pid)}`;
    progress.note(`opened ${sockets.length}/${o.connections} in ${elapsed.toFixed(0)}s${memory}`);
  });
  await inParallel(o.connections, CONNECT_CONCURRENCY, async (i) => {
    while (fds() > WORKERD_FD_BUDGET || (fds() - sockets.length) / 3 > AWAKE_BUDGET) await sleep(250);
    sockets.push(
      await openRetrying(
        () => openSocket(prepared.socket(i), sourceAddress(i, o.sourceIps), pinger.onFrame, 120_000),
        retries,
      ),
    );
    note();
  });
  return { sockets, pinger, retries: retries.count };
}

const CONNECT_ATTEMPTS = 5;

/** Opens like a device reconnecting: a failed attempt is retried after a growing pause, and counted. */
async function openRetrying(open: () => Promise<{ ws: WebSocket }>, retries: { count: number }): Promise<WebSocket> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await open()).ws;
    } catch (error) {
      if (attempt === CONNECT_ATTEMPTS) throw error;
      retries.count++;
      await sleep(500 * attempt);
    }
  }
}

/** `read`, re-run at most once per `ms` (the last value in between). */
function every<T>(ms: number, read: () => T): () => T {
  let at = -Infinity;
  let value: T;
  return () => {
    const now = performance.now();
    if (now - at >= ms) {
      at = now;
      value = read();
    }
    return value;
  };
}

export function describeConnections(r: ConnectionsReport): string {
  const med = (target: string, read: (x: ConnectionsResult) => number | null | undefined): string => {
    const values = r.runs
      .flatMap((run) => run.filter((x) => x.target === target).map(read))
      .filter((v): v is number => typeof v === "number");
    return values.length === 0 ? "-" : String(round3(median(values)));
  };
  const phase = (name: string) => (x: ConnectionsResult) => x.phases.find((p) => p.phase === name);
  const rows: [string, (x: ConnectionsResult) => number | null | undefined][] = [
    ["sockets opened", (x) => x.opened],
    ["seconds to open", (x) => x.openSeconds],
    ["connect retries", (x) => x.connectRetries],
    ["workerd RSS before MiB", (x) => (x.workerdRssBeforeKiB ?? NaN) / 1024],
    ["workerd RSS open MiB", (x) => (x.workerdRssOpenKiB ?? NaN) / 1024],
    ["KiB/socket after open", (x) => x.kibPerConnection.open],
    ["KiB/socket after idle", (x) => x.kibPerConnection.idle],
    ["KiB/socket after pings", (x) => x.kibPerConnection.pinging],
    ["idle workerd cores", (x) => phase("idle")(x)?.workerdCores],
    ["pings sent", (x) => phase("pinging")(x)?.frames],
    ["ping workerd cores", (x) => phase("pinging")(x)?.workerdCores],
    ["CPU µs per ping", (x) => phase("pinging")(x)?.cpuUsPerFrame],
    ["waking pings sent", (x) => phase("waking")(x)?.frames],
    ["CPU µs per waking ping", (x) => phase("waking")(x)?.cpuUsPerFrame],
    ["workerd fds after idle", (x) => phase("idle")(x)?.fds],
    ["workerd fds after pings", (x) => phase("pinging")(x)?.fds],
    ["workerd fds at end", (x) => x.workerdFdsAtEnd],
    ["workerd maps when open", (x) => x.workerdMapsOpen],
  ];
  const lines = [
    `connections: ${r.connections} idle sockets from ${r.sourceIps} source addresses, pings every ${r.pingIntervalS} s per socket${r.runs.length > 1 ? ` (medians of ${r.runs.length} runs)` : ""}`,
    "",
    `${"".padEnd(26)}${"edge".padStart(12)}${"ceiling".padStart(12)}`,
    ...rows.map(
      ([label, read]) => `${label.padEnd(26)}${med("edge", read).padStart(12)}${med("ceiling", read).padStart(12)}`,
    ),
    "",
    r.ok ? "OK: every socket opened, every ping answered" : "FAILED: sockets missing or pings unanswered",
  ];
  return lines.join("\n");
}
