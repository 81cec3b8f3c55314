/** `npm run bench -- <scenario> [options]`: the options, their defaults, and the help text. */
import { parseArgs } from "node:util";
import { COST_SCENARIOS, type CostScenarioName } from "./cost/scenarios.js";
import type { CeilingKind } from "./targets/ceiling.js";

export const SCENARIOS = ["pairs", "group", "connections", "origin", "storage", "wake", "cost"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const HELP = `usage: npm run bench -- <scenario> [options]

scenarios
  pairs         N direct conversations x 2 users, each user sending into its conversation
  group         one conversation of M members, K of them sending (fan-out)
  connections   N idle WebSockets kept with pings: workerd memory per socket, CPU per ping
  origin        events through ingest -> Kafka -> Cassandra, next to raw Kafka produce and Cassandra insert loops
  storage       what a Durable Object event and a SQLite write cost local workerd (CPU per call, by kind)
  wake          a sync on a hibernated UserSession: a user in many conversations next to a user in one
  cost          what a message and a connected device-hour cost in Cloudflare's billed units, counted by the
                edge's own meter (METER=log): requests by kind, rows written and read, duration, dollars

common
  --url URL            drive an edge already running there (default: start one through Miniflare)
  --pid PID            workerd pid of the edge at --url (for CPU and memory figures)
  --runs N             repeat the run N times and report medians (default 1)
  --no-ceiling         skip the ceiling (origin: the raw Kafka and Cassandra loops; default: measured in the same run)
  --ceiling room|fanout  pairs, group: the ceiling to compare with: one broadcasting object per room (default), or
                       the fan-out floor (a socket object per user, one RPC per member per message, nothing else)
  --json               print the result as JSON on stdout instead of the table
  --rate-limit N       every rate limit of the started edge, per second and burst: sends, fan-out, frames (default 1000000)
  --storage tmpfs|disk where the started edge keeps its SQLite files: /dev/shm or the OS temp dir (default tmpfs)

pairs, group
  --mode open|closed   open loop at --rate, or closed loop with --window (pairs: closed, group: open)
  --rate R             open loop: total msg/s over all senders (default 200)
  --window W           closed loop: unacknowledged sends per sender (default 8)
  --duration S         sending time in seconds (default 10), of which --warmup S (default 2) is not measured
  --size B             message body bytes (default 64)
  --pairs N            pairs: conversations (default 100)
  --members M          group: members, at most 1024 (default 10)
  --senders K          group: senders among the members (default min(M, 10))
  --drain-timeout S    how long to wait for the last acks and deliveries (default 30)
  --inspect-port P     CPU-profile the edge's isolate over the window through workerd's inspector at P
                       (the started edge opens it; an edge at --url must run with one, e.g. wrangler dev --inspector-port P);
                       writes bench-edge.cpuprofile and prints the top functions

origin (needs Kafka and Cassandra: npm run services -- up)
  --pairs N            streams (conversations) posting at once (default 100); the ceilings run as many
  --batch B            events per signed ingest call, per produce, per Cassandra batch (default 50)
  --duration S         seconds of each: pipeline, raw produce loop, raw insert loop (default 10)
  --warmup S           one unmeasured run of S seconds per phase first (default 10; 0: none): the JVMs of
                       Kafka and Cassandra compile their hot paths under the first load, so a cold run 1 is slower
  --size B, --drain-timeout S as above
  --origin-processes N 2: ingest and persister in one process each (default); 1: both in one process
  --cpu-prof           CPU-profile the origin processes (node --cpu-prof); writes bench-<ingest|persister|origin>.cpuprofile
                       and prints the top functions from the start of the load to the end of the drain

wake
  --conversations N    groups of 6 the heavy user is in (default 300)
  --samples S          wakes measured per user, each after 13 s of quiet (default 5)

cost [name…]           scenarios (default all): pair, pair-read, pair-3dev, pair-closed, group10, group100,
                       group100-10online, group1024, group1024-10online, idle, idle-origin, reconnect,
                       actions (edits, deletes, reactions), search (indexing, per message),
                       attachments (a photo uploaded, sent and downloaded, per message)
  --messages N         messages per messaging scenario (default 40)
  --think-ms T         pair scenarios: pause between turns (default 500)
  --idle S             idle scenarios: seconds connected (default 60)
  --settle S           after the last delivery, how long retries and alarms still count (default 35)
  --json               {"scenarios": {name: {perMessage, perDeviceHour, messages, peakObjectRps, lost, duplicated,
                       byEntry?}}, "prices", "commit", "mix"}

connections
  --connections N      sockets to open (default 15000)
  --source-ips N       spread client sockets over 127.0.0.2 .. 127.0.0.(N+1) (default 4)
  --hold S             seconds of each phase: idle, pinging, waking (default 20)
  --ping-interval S    seconds between a socket's pings while pinging (default 5)
`;

export interface Options {
  scenario: Scenario;
  url?: string;
  pid?: number;
  runs: number;
  ceiling: boolean;
  ceilingKind: CeilingKind;
  json: boolean;
  rateLimit: number;
  storage: "tmpfs" | "disk";
  mode?: "open" | "closed";
  rate: number;
  window: number;
  duration: number;
  warmup: number;
  size: number;
  pairs: number;
  members: number;
  senders?: number;
  drainTimeout: number;
  inspectPort?: number;
  cpuProf: boolean;
  originProcesses: number;
  batch: number;
  connections: number;
  sourceIps: number;
  hold: number;
  pingInterval: number;
  conversations: number;
  samples: number;
  /** cost: the scenarios named after `cost` (default all), and their pace. */
  costScenarios: CostScenarioName[];
  messages: number;
  thinkMs: number;
  idleS: number;
  settleS: number;
}

/** Kafka's and Cassandra's JITs: three back-to-back runs on freshly started servers gave 0.30, 0.45, 0.55. */
const ORIGIN_WARMUP_S = 10;

const numeric = [
  "pid",
  "inspect-port",
  "batch",
  "runs",
  "rate-limit",
  "rate",
  "window",
  "duration",
  "warmup",
  "size",
  "pairs",
  "members",
  "senders",
  "drain-timeout",
  "connections",
  "source-ips",
  "hold",
  "ping-interval",
  "origin-processes",
  "conversations",
  "samples",
  "messages",
  "think-ms",
  "idle",
  "settle",
] as const;

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      mode: { type: "string" },
      storage: { type: "string" },
      "no-ceiling": { type: "boolean" },
      ceiling: { type: "string" },
      json: { type: "boolean" },
      "cpu-prof": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...Object.fromEntries(numeric.map((name) => [name, { type: "string" as const }])),
    },
  });
  const scenario = positionals[0] as Scenario | undefined;
  if (values.help || !scenario) throw new UsageError(HELP);
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`unknown scenario ${scenario}\n\n${HELP}`);
  const costScenarios = positionals.slice(1) as CostScenarioName[];
  const unknownCost = costScenarios.find((n) => !COST_SCENARIOS.includes(n));
  if (scenario === "cost" && unknownCost !== undefined)
    throw new UsageError(`unknown cost scenario ${unknownCost} (known: ${COST_SCENARIOS.join(", ")})`);
  if (values.mode !== undefined && values.mode !== "open" && values.mode !== "closed")
    throw new UsageError("--mode is open or closed");
  if (values.storage !== undefined && values.storage !== "tmpfs" && values.storage !== "disk")
    throw new UsageError("--storage is tmpfs or disk");
  if (values.ceiling !== undefined && values.ceiling !== "room" && values.ceiling !== "fanout")
    throw new UsageError("--ceiling is room or fanout");
  const raw = (name: (typeof numeric)[number]): string | undefined =>
    (values as Record<string, string | undefined>)[name];
  const num = (name: (typeof numeric)[number], fallback: number): number => {
    const text = raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${name} must be a non-negative number`);
    return value;
  };
  return {
    scenario,
    url: values.url as string | undefined,
    pid: raw("pid") === undefined ? undefined : num("pid", 0),
    runs: Math.max(1, num("runs", 1)),
    ceiling: !values["no-ceiling"],
    ceilingKind: (values.ceiling as CeilingKind | undefined) ?? "room",
    json: Boolean(values.json),
    rateLimit: num("rate-limit", 1_000_000),
    storage: (values.storage as Options["storage"] | undefined) ?? "tmpfs",
    mode: values.mode as Options["mode"],
    rate: num("rate", 200),
    window: Math.max(1, num("window", 8)),
    duration: num("duration", 10),
    warmup: num("warmup", scenario === "origin" ? ORIGIN_WARMUP_S : 2),
    size: Math.max(1, num("size", 64)),
    pairs: Math.max(1, num("pairs", 100)),
    members: Math.min(1024, Math.max(2, num("members", 10))),
    senders: raw("senders") === undefined ? undefined : Math.max(1, num("senders", 1)),
    drainTimeout: num("drain-timeout", 30),
    inspectPort: raw("inspect-port") === undefined ? undefined : num("inspect-port", 0),
    cpuProf: Boolean(values["cpu-prof"]),
    originProcesses: Math.min(2, Math.max(1, num("origin-processes", 2))),
    batch: Math.max(1, num("batch", 50)),
    connections: num("connections", 15_000),
    sourceIps: Math.min(250, Math.max(1, num("source-ips", 4))),
    hold: num("hold", 20),
    pingInterval: num("ping-interval", 5),
    conversations: Math.max(1, num("conversations", 300)),
    samples: Math.max(1, num("samples", 5)),
    costScenarios: costScenarios.length > 0 ? costScenarios : [...COST_SCENARIOS],
    messages: Math.max(1, num("messages", 40)),
    thinkMs: num("think-ms", 500),
    idleS: Math.max(1, num("idle", 60)),
    settleS: num("settle", 35),
  };
}

export class UsageError extends Error {}
