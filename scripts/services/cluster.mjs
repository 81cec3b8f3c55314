// The local cluster as a whole (nodes in cluster-nodes.mjs): starting it in an order Cassandra accepts, and telling
// when it is whole: every broker registered and every partition's in-sync replicas complete, every Cassandra node
// up and normal (UN) as nodetool sees the ring. Usable from scripts/services.mjs and from the chaos tool:
//   import { upCluster, killNode, startNode, waitWhole } from '../scripts/services/cluster.mjs';
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SCRIPT_DIR, ServiceError, ensureLib, findJava17, sleep } from "./common.mjs";
import { jpmsFlags } from "./cassandra.mjs";
import { CASSANDRA_NODES, CLUSTER_DIR, KAFKA_NODES, NODES } from "./cluster-nodes.mjs";
import { kill, purge, start, status, stop } from "./lib.mjs";
import { kafkaMetadata, probeCassandra } from "./probes.mjs";

export { CLUSTER_DIR, CLUSTER_ENV, CASSANDRA_NODES, KAFKA_NODES, NODES } from "./cluster-nodes.mjs";

export function nodeOf(name) {
  const node = NODES[name];
  if (!node) throw new ServiceError(`unknown cluster node "${name}" (known: ${Object.keys(NODES).join(", ")})`);
  return node;
}

function ensureClusterDir() {
  fs.mkdirSync(CLUSTER_DIR, { recursive: true });
  const ignore = path.join(CLUSTER_DIR, ".gitignore");
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, "*\n");
}

/** Settles every promise, then fails with every failure's message at once. */
async function all(promises) {
  const results = await Promise.allSettled(promises);
  const failures = results.filter((r) => r.status === "rejected").map((r) => r.reason?.message ?? String(r.reason));
  if (failures.length > 0) throw new ServiceError(failures.join("\n"));
  return results.map((r) => r.value);
}

/**
 * Starts what is not running and waits until the cluster is whole. The brokers start together (a controller quorum
 * needs two of them); Cassandra's first node before the others, which then join together (their tokens are given,
 * nothing streams).
 */
export async function upCluster({ log = () => {}, timeoutMs = 600_000 } = {}) {
  ensureClusterDir();
  const t0 = Date.now();
  const [first, ...others] = CASSANDRA_NODES;
  const brokers = all(KAFKA_NODES.map((n) => start(n, { log })));
  const nodes = (async () => [await start(first, { log }), ...(await all(others.map((n) => start(n, { log }))))])();
  const started = [...(await all([brokers, nodes])).flat()];
  const whole = await waitWhole({ timeoutMs: Math.max(10_000, timeoutMs - (Date.now() - t0)), log });
  return { started, whole, seconds: Math.round((Date.now() - t0) / 100) / 10 };
}

/** Graceful stop of every node (in parallel: each has its own grace period); `purgeData` then deletes their data. */
export async function downCluster({ purgeData = false } = {}) {
  const stopped = await Promise.all(Object.values(NODES).map(stop));
  if (purgeData) {
    for (const n of Object.values(NODES)) purge(n);
    fs.rmSync(path.join(CLUSTER_DIR, "kafka-cluster-id"), { force: true });
  }
  return stopped;
}

export const clusterStatus = () => Promise.all(Object.values(NODES).map(status));
export const killNode = (name) => kill(nodeOf(name));
export const stopNode = (name) => stop(nodeOf(name));
/** Starts one node (reusing it if it runs) and resolves once it serves clients; `waitWhole` tells when it rejoined. */
export const startNode = (name, options) => start(nodeOf(name), options);

/** How Kafka looks from every broker: whole when all answer, each lists all, and no partition lacks a replica. */
export async function kafkaState() {
  const answers = await Promise.all(
    KAFKA_NODES.map((n) => kafkaMetadata(n.port, 5000, n.host).catch((e) => ({ error: e.message }))),
  );
  const silent = KAFKA_NODES.filter((_, i) => answers[i].error).map((n) => n.name);
  const seen = answers.find((a) => !a.error);
  const partitions = seen ? seen.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p }))) : [];
  const underReplicated = partitions.filter((p) => p.isr.length < p.replicas.length);
  const leaderless = partitions.filter((p) => p.leader < 0);
  const registered = answers.filter((a) => !a.error).map((a) => a.brokers.length);
  const whole =
    silent.length === 0 &&
    registered.every((n) => n === KAFKA_NODES.length) &&
    underReplicated.length === 0 &&
    leaderless.length === 0;
  const detail = whole
    ? `${KAFKA_NODES.length} brokers, ${partitions.length} partitions, every ISR full`
    : [
        silent.length ? `silent: ${silent.join(", ")}` : "",
        seen ? `${seen.brokers.length} registered` : "",
        `${underReplicated.length} under-replicated`,
        `${leaderless.length} leaderless`,
      ]
        .filter(Boolean)
        .join(", ");
  return { whole, detail, partitions, controller: seen?.controller ?? -1 };
}

function capture(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** `nodetool <args>` against a node, through its local JMX port. */
export async function nodetool(node, args) {
  const lib = await ensureLib("cassandra", path.join(SCRIPT_DIR, "cassandra.pom.xml"));
  const { code, out } = await capture(findJava17(), [
    "-Xmx128m",
    "-XX:TieredStopAtLevel=1", // a short-lived client: compiling hot code would cost more than it saves
    ...jpmsFlags(), // Cassandra's classes refuse to load on Java 17 without them, client tools included
    "-cp",
    `${lib}/*`,
    "org.apache.cassandra.tools.NodeTool",
    "-h",
    "127.0.0.1",
    "-p",
    String(node.jmxPort),
    ...args,
  ]);
  if (code !== 0) throw new Error(`nodetool ${args.join(" ")} on ${node.name} failed (exit ${code}): ${out.trim()}`);
  return out;
}

/** Each address's state in the ring ("UN", "DN", "UJ", …) as `node` sees it. */
export async function ringOf(node) {
  const ring = new Map();
  for (const line of (await nodetool(node, ["status"])).split("\n")) {
    const m = /^([UD][NLJM])\s+(\S+)/.exec(line);
    if (m) ring.set(m[2], m[1]);
  }
  return ring;
}

/**
 * How Cassandra looks: whole when every node serves CQL and one of them sees all of them UN. nodetool is a JVM of its
 * own (seconds of CPU), so it runs only once every node answers CQL.
 */
export async function cassandraState() {
  const probes = await Promise.all(CASSANDRA_NODES.map((n) => probeCassandra(n.port, 5000, n.host).catch(() => null)));
  const silent = CASSANDRA_NODES.filter((_, i) => probes[i] === null).map((n) => n.name);
  if (silent.length > 0) return { whole: false, detail: `no CQL from ${silent.join(", ")}` };
  try {
    const ring = await ringOf(CASSANDRA_NODES[0]);
    const states = CASSANDRA_NODES.map((n) => `${n.name} ${ring.get(n.host) ?? "absent"}`);
    const whole = CASSANDRA_NODES.every((n) => ring.get(n.host) === "UN");
    return { whole, detail: whole ? `${CASSANDRA_NODES.length} nodes UN` : states.join(", ") };
  } catch (error) {
    return { whole: false, detail: error.message.split("\n")[0] };
  }
}

/** Polls until Kafka and Cassandra are both whole; rejects after `timeoutMs` with what was still missing. */
export async function waitWhole({ timeoutMs = 300_000, log = () => {}, everyMs = 2_000 } = {}) {
  const t0 = Date.now();
  let lastSaid = "";
  for (;;) {
    const [kafka, cassandra] = await Promise.all([kafkaState(), cassandraState()]);
    if (kafka.whole && cassandra.whole) {
      return { seconds: Math.round((Date.now() - t0) / 100) / 10, kafka: kafka.detail, cassandra: cassandra.detail };
    }
    const now = `kafka: ${kafka.detail}; cassandra: ${cassandra.detail}`;
    if (now !== lastSaid) log(`cluster not whole yet (${now})`);
    lastSaid = now;
    if (Date.now() - t0 > timeoutMs)
      throw new ServiceError(`cluster not whole after ${Math.round(timeoutMs / 1000)} s: ${now}`);
    await sleep(everyMs);
  }
}
