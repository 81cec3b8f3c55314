/** `npm run chaos -- [scenario…] [options]`: the scenarios, the options and their defaults, the help text. */
import { parseArgs } from "node:util";
import { KINDS, type Kind } from "./flood.js";

export const SCENARIOS = [
  "edge-kill",
  "origin-stop",
  "kafka-kill",
  "cassandra-kill",
  "persister-kill",
  "socket-drops",
  "abuse",
] as const;

/** `--cluster`: against the local three-node cluster, a node lost or restarted under traffic (cluster-faults.ts). */
export const CLUSTER_SCENARIOS = [
  "broker-kill",
  "coordinator-kill",
  "node-kill",
  "both-kill",
  "rejoin",
  "rolling",
] as const;

export type ScenarioName = (typeof SCENARIOS)[number] | (typeof CLUSTER_SCENARIOS)[number];

/** Scenarios whose fault lives in the origin pipeline: they always run with an origin behind the edge. */
export const ORIGIN_SCENARIOS: ReadonlySet<ScenarioName> = new Set([
  "origin-stop",
  "kafka-kill",
  "cassandra-kill",
  "persister-kill",
]);

export const HELP = `usage: npm run chaos -- [scenario…] [options]      (no scenario = all of them, in this order)

scenarios
  edge-kill       SIGKILL the edge runtime (workerd) mid-traffic, restart it on the same persisted state
  origin-stop     stop origin ingest for --outage seconds under traffic, then start it again
  kafka-kill      SIGKILL the Kafka broker under traffic, start it again   (needs npm run services -- up)
  cassandra-kill  SIGKILL Cassandra under traffic, start it again          (needs npm run services -- up)
  persister-kill  SIGKILL the persister (a child process) under traffic, start a new one
  socket-drops    devices drop their sockets at random moments, also between a send and its ack
  abuse           malformed frames, oversized bodies, forged tokens, stranger probes and big-group typing floods while
                  legitimate traffic runs; latency against a baseline run, workerd memory

with --cluster (origin on the three-node cluster of npm run services -- up --cluster: replication 3,
min.insync.replicas 2, LOCAL_QUORUM; a killed node stays down through the audit, then is restarted)
  broker-kill     SIGKILL the Kafka broker leading the most partitions of the messages topic
  coordinator-kill
                  SIGKILL the Kafka broker coordinating the persister's consumer group (its offset commits and
                  heartbeats)
  node-kill       SIGKILL one Cassandra node
  both-kill       SIGKILL the leading broker, then --down/2 s later one Cassandra node
  rejoin          SIGKILL a broker and a Cassandra node, restart both after --down s; the cluster must be whole
                  again and the node must hold by itself every write it missed (hints), read at ONE from it alone
  rolling         stop (SIGTERM) and start every broker, then every Cassandra node, one at a time, each rejoined
                  before the next

workload
  --users N            users (default 12); each has 2 or 3 devices (--devices 2-3)
  --devices A-B        devices per user, alternating between A and B (default 2-3)
  --directs N          direct conversations (default 20)
  --groups N           groups (default 3) of --group-size members (default 5)
  --rate R             legitimate sends per second over all devices (default 40)
  --window W           unacknowledged sends a device may have before it holds back (default 4)
  --size B             message body bytes (default 48)
  --actions P          share of sends that edit, delete or react to an earlier message, and of messages that
                       reply to one (default 0.2)
  --attachments P      share of messages that carry a small PNG or PDF, uploaded first (default 0.1)

timing (seconds)
  --before S           traffic before the fault (default 5)
  --after S            traffic after recovery (default 5)
  --outage S           origin-stop: how long ingest stays down (default 30)
  --drops-for S        socket-drops: how long devices keep dropping (default 15)
  --recover-timeout S  give up waiting for recovery after S (default 180)
  --faults N           inject the fault N times, with --before seconds of traffic between (default 1)
  --down S             cluster scenarios: how long a killed node stays down under traffic (default 20)

abuse
  --abuse-sockets N    abusive sockets (default 40), plus forged-token upgrades and HTTP calls
  --abuse-rate R       abusive frames per second over all of them (default 500), plus 20 forged tokens/s
  --abuse-for S        length of the baseline and of the abuse phase each (default 15)
  --abuse-kinds K,…    only these kinds of garbage (malformed, binary, oversize-body, oversize-frame,
                       foreign-send, foreign-read, made-up-conversation, lone-surrogate, huge; default all),
                       to find which one hurts
  --max-rss-mb M       fail if workerd's VmRSS grows more than M MiB during abuse (default 200)
  --max-p99-ms M       legitimate p99 (ack and delivery) under abuse may reach max(M, F x baseline p99),
  --max-p99-factor F   no more (defaults 200 ms, the design's p99 delivery target, and 3)

other
  --edge-env K=V,…     extra Worker bindings, e.g. FANOUT_RETRY_MS=500 (default: the product defaults)
  --origin             also put an origin behind the edge in edge-kill, socket-drops and abuse
  --cluster            run the cluster scenarios (above) instead: needs npm run services -- up --cluster
  --storage tmpfs|disk where the edge keeps its SQLite files (default tmpfs: on this shared VM disk, workerd's
                       fsync waits measure the neighbours; a SIGKILL loses no page cache either way)
  --seed N             random seed (default: time)
  --json               print the results as JSON on stdout
`;

export interface Options {
  scenarios: ScenarioName[];
  users: number;
  devices: [number, number];
  directs: number;
  groups: number;
  groupSize: number;
  rate: number;
  window: number;
  size: number;
  actions: number;
  attachments: number;
  beforeS: number;
  afterS: number;
  outageS: number;
  dropsForS: number;
  recoverTimeoutS: number;
  faults: number;
  downS: number;
  abuseSockets: number;
  abuseRate: number;
  abuseForS: number;
  abuseKinds: readonly Kind[];
  maxRssMiB: number;
  maxP99Ms: number;
  maxP99Factor: number;
  edgeEnv: Record<string, string>;
  origin: boolean;
  cluster: boolean;
  storage: "disk" | "tmpfs";
  seed: number;
  json: boolean;
}

export const DEFAULTS: Omit<Options, "scenarios" | "seed"> = {
  users: 12,
  devices: [2, 3],
  directs: 20,
  groups: 3,
  groupSize: 5,
  rate: 40,
  window: 4,
  size: 48,
  actions: 0.2,
  attachments: 0.1,
  beforeS: 5,
  afterS: 5,
  outageS: 30,
  dropsForS: 15,
  recoverTimeoutS: 180,
  faults: 1,
  downS: 20,
  abuseSockets: 40,
  abuseRate: 500,
  abuseForS: 15,
  abuseKinds: KINDS,
  maxRssMiB: 200,
  maxP99Ms: 200,
  maxP99Factor: 3,
  edgeEnv: {},
  origin: false,
  cluster: false,
  storage: "tmpfs",
  json: false,
};

const NUMERIC = {
  users: "users",
  directs: "directs",
  groups: "groups",
  "group-size": "groupSize",
  rate: "rate",
  window: "window",
  size: "size",
  actions: "actions",
  attachments: "attachments",
  before: "beforeS",
  after: "afterS",
  outage: "outageS",
  "drops-for": "dropsForS",
  "recover-timeout": "recoverTimeoutS",
  faults: "faults",
  down: "downS",
  "abuse-sockets": "abuseSockets",
  "abuse-rate": "abuseRate",
  "abuse-for": "abuseForS",
  "max-rss-mb": "maxRssMiB",
  "max-p99-ms": "maxP99Ms",
  "max-p99-factor": "maxP99Factor",
  seed: "seed",
} as const;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      devices: { type: "string" },
      "edge-env": { type: "string" },
      "abuse-kinds": { type: "string" },
      storage: { type: "string" },
      origin: { type: "boolean" },
      cluster: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...Object.fromEntries(Object.keys(NUMERIC).map((name) => [name, { type: "string" as const }])),
    },
  });
  if (values.help) throw new UsageError(HELP);
  const known: readonly string[] = values.cluster ? CLUSTER_SCENARIOS : SCENARIOS;
  const unknown = positionals.find((p) => !known.includes(p));
  if (unknown !== undefined)
    throw new UsageError(`unknown scenario ${unknown}${values.cluster ? " with --cluster" : ""}\n\n${HELP}`);
  const options: Options = {
    ...DEFAULTS,
    scenarios: (positionals.length > 0 ? positionals : [...known]) as ScenarioName[],
    seed: Date.now() % 1_000_000,
  };
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const text = (values as Record<string, string | undefined>)[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${flag} must be a non-negative number`);
    options[key] = value;
  }
  if (values.devices !== undefined) options.devices = parseRange(values.devices as string);
  if (values["abuse-kinds"] !== undefined) options.abuseKinds = parseKinds(values["abuse-kinds"] as string);
  if (values["edge-env"] !== undefined) options.edgeEnv = parseEnv(values["edge-env"] as string);
  if (values.storage !== undefined && values.storage !== "disk" && values.storage !== "tmpfs")
    throw new UsageError("--storage is tmpfs or disk");
  options.storage = (values.storage as Options["storage"] | undefined) ?? options.storage;
  options.origin = Boolean(values.origin);
  options.cluster = Boolean(values.cluster);
  options.json = Boolean(values.json);
  if (options.users < 2 || options.groupSize < 2 || options.groupSize > options.users)
    throw new UsageError("need --users >= 2 and 2 <= --group-size <= --users");
  return options;
}

function parseRange(text: string): [number, number] {
  const [a, b = a] = text.split("-").map(Number);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a! < 1 || b! < a! || b! > 8)
    throw new UsageError("--devices is A or A-B with 1 <= A <= B <= 8");
  return [a!, b!];
}

function parseEnv(text: string): Record<string, string> {
  const pairs = text
    .split(",")
    .filter(Boolean)
    .map((kv) => kv.split("="));
  if (pairs.some((p) => p.length !== 2 || !/^[A-Z_]+$/.test(p[0]!)))
    throw new UsageError("--edge-env is KEY=VALUE[,KEY=VALUE…]");
  return Object.fromEntries(pairs);
}

function parseKinds(text: string): Kind[] {
  const kinds = text.split(",").filter(Boolean);
  const unknown = kinds.find((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown !== undefined || kinds.length === 0) throw new UsageError(`--abuse-kinds takes ${KINDS.join(", ")}`);
  return kinds as Kind[];
}
