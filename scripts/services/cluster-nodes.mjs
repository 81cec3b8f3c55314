// The nodes of the local cluster: three Kafka 3.9 brokers (KRaft, each also a controller voter) and three
// Cassandra 5.0 nodes (GossipingPropertyFileSnitch, data center dc1), node i on 127.0.0.1<i>. Each node is a service
// definition like kafka.mjs's and cassandra.mjs's, so lib.mjs starts, stops and kills it the same way; its pid file,
// logs and data live under <state dir>/cluster, apart from the single-node servers, which keep running beside it.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SCRIPT_DIR, STATE_DIR, ensureLib, findJava17 } from "./common.mjs";
import { daemonArgs, jammJar } from "./cassandra.mjs";
import { clusterId, formatStorage, jvmArgs } from "./kafka.mjs";
import { probeCassandra, probeKafka } from "./probes.mjs";

export const CLUSTER_DIR = path.resolve(process.env.SERVICES_CLUSTER_DIR || path.join(STATE_DIR, "cluster"));
export const DATA_CENTER = "dc1";
const SIZE = 3;
const addressOf = (i) => `127.0.0.1${i}`;
const ADDRESSES = Array.from({ length: SIZE }, (_, i) => addressOf(i + 1));

// 768m: the schema's storage-attached indexes live in the heap while they are built from memtables; three such
// heaps and three brokers' fit beside the single-node servers on these machines.
const CASSANDRA_HEAP = process.env.SERVICES_CLUSTER_CASSANDRA_HEAP || "768m";
const KAFKA_HEAP = process.env.SERVICES_CLUSTER_KAFKA_HEAP || "512m";

/**
 * Local JMX (nodetool's way in) always binds 127.0.0.1, whatever the node's address: ports apart from the single
 * node's 7199 and from each other.
 */
export const jmxPortOf = (i) => 7210 + i;

/** Evenly spaced Murmur3 tokens, one per node: an even ring without vnodes' token allocation. */
function tokenOf(i) {
  const step = 2n ** 64n / BigInt(SIZE);
  return String(-(2n ** 63n) + step * BigInt(i - 1));
}

/** What the origin needs to use this cluster (origin/config.ts reads these). */
export const CLUSTER_ENV = {
  KAFKA_BROKERS: ADDRESSES.map((a) => `${a}:9092`).join(","),
  KAFKA_REPLICATION_FACTOR: "3",
  KAFKA_MIN_INSYNC_REPLICAS: "2",
  CASSANDRA_CONTACT_POINTS: ADDRESSES.join(","),
  CASSANDRA_DC: DATA_CENTER,
  CASSANDRA_REPLICATION_FACTOR: "3",
};

function fill(template, values) {
  let text = fs.readFileSync(path.join(SCRIPT_DIR, template), "utf8");
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`@${key}@`, value);
  return text;
}

function dirsOf(name) {
  const home = path.join(CLUSTER_DIR, name);
  return { home, logs: path.join(CLUSTER_DIR, "logs", name), pidFile: path.join(CLUSTER_DIR, "run", `${name}.pid`) };
}

/** What every node's definition has: its name, address, directories and pid file. */
function nodeBase(kind, i) {
  const name = `${kind}-${i}`;
  const dirs = dirsOf(name);
  return { dirs, node: { name, kind, index: i, host: addressOf(i), pidFile: dirs.pidFile, dataDirs: [dirs.home] } };
}

function prepareDirs(dirs) {
  for (const d of [dirs.home, dirs.logs, path.dirname(dirs.pidFile)]) fs.mkdirSync(d, { recursive: true });
}

/** One id for the whole KRaft cluster, chosen when the first node is formatted. */
function sharedClusterId() {
  const file = path.join(CLUSTER_DIR, "kafka-cluster-id");
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${clusterId()}\n`);
  return fs.readFileSync(file, "utf8").trim();
}

function kafkaNode(i) {
  const { dirs, node } = nodeBase("kafka", i);
  const host = node.host;
  const props = path.join(dirs.home, "server.properties");
  const logFile = path.join(dirs.logs, "kafka.log");
  return {
    ...node,
    port: 9092,
    auxPorts: [9093],
    marker: props, // the command line names this node's own properties file
    readyTimeoutMs: 120_000,
    stopGraceMs: 30_000,
    logFiles: [logFile],
    probe: () => probeKafka(9092, 5000, host),

    async prepare(log) {
      const java = findJava17();
      const lib = await ensureLib("kafka", path.join(SCRIPT_DIR, "kafka.pom.xml"), log);
      prepareDirs(dirs);
      const dataDir = path.join(dirs.home, "data");
      const voters = ADDRESSES.map((a, n) => `${n + 1}@${a}:9093`).join(",");
      fs.writeFileSync(
        props,
        fill("kafka-cluster.properties", { NODE_ID: String(i), ADDRESS: host, VOTERS: voters, DATA_DIR: dataDir }),
      );
      const fmtLog = path.join(dirs.logs, "format.log");
      await formatStorage({ java, lib, props, dataDir, id: sharedClusterId(), fmtLog });
      const heap = [`-Xms${KAFKA_HEAP}`, `-Xmx${KAFKA_HEAP}`];
      return { cmd: java, args: [...jvmArgs(lib, heap, dirs.logs), "kafka.Kafka", props], logFile };
    },
  };
}

function cassandraNode(i) {
  const { dirs, node } = nodeBase("cassandra", i);
  const host = node.host;
  const yaml = path.join(dirs.home, "cassandra.yaml");
  const rackdc = path.join(dirs.home, "cassandra-rackdc.properties");
  const outFile = path.join(dirs.logs, "cassandra.out");
  return {
    ...node,
    port: 9042,
    auxPorts: [7000],
    marker: `-Dcassandra.storagedir=${dirs.home}`,
    // A node joining a cluster waits for gossip to settle before it serves clients.
    readyTimeoutMs: 300_000,
    stopGraceMs: 60_000,
    logFiles: [path.join(dirs.logs, "cassandra.log"), outFile],
    jmxPort: jmxPortOf(i),
    probe: () => probeCassandra(9042, 5000, host),

    async prepare(log) {
      const java = findJava17();
      const lib = await ensureLib("cassandra", path.join(SCRIPT_DIR, "cassandra.pom.xml"), log);
      prepareDirs(dirs);
      fs.writeFileSync(
        yaml,
        fill("cassandra-cluster.yaml", { ADDRESS: host, SEEDS: ADDRESSES.join(","), TOKEN: tokenOf(i) }),
      );
      fs.writeFileSync(rackdc, `dc=${DATA_CENTER}\nrack=rack${i}\n`);
      const args = daemonArgs({
        lib,
        jamm: jammJar(lib),
        heap: CASSANDRA_HEAP,
        config: yaml,
        home: dirs.home,
        logDir: dirs.logs,
        extra: [
          `-Dcassandra-rackdc.properties=${pathToFileURL(rackdc).href}`,
          `-Dcassandra.jmx.local.port=${jmxPortOf(i)}`,
        ],
      });
      return { cmd: java, args, logFile: outFile };
    },
  };
}

export const KAFKA_NODES = Array.from({ length: SIZE }, (_, i) => kafkaNode(i + 1));
export const CASSANDRA_NODES = Array.from({ length: SIZE }, (_, i) => cassandraNode(i + 1));
/** Every node by name: kafka-1..3, cassandra-1..3. */
export const NODES = Object.fromEntries([...KAFKA_NODES, ...CASSANDRA_NODES].map((n) => [n.name, n]));
