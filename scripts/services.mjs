#!/usr/bin/env node
// Local servers for the origin tests, without Docker: Kafka 3.9.1 (KRaft, 127.0.0.1:9092),
// Cassandra 5.0.9 (127.0.0.1:9042, Java 17) and Redis (127.0.0.1:6379).
//
//   node scripts/services.mjs up [svc...]            start what is not running, wait until each serves
//                                                    clients, print status (Kafka and Cassandra in parallel)
//   node scripts/services.mjs down [svc...] [--purge] stop what this script started (pid files); servers it
//                                                    did not start are left alone; --purge also deletes their
//                                                    data dirs (never the jar caches)
//   node scripts/services.mjs status [svc...]        one line per service: up/down, address, owner, probe detail;
//                                                    exits 1 if any is down
//   node scripts/services.mjs kill kafka|cassandra   SIGKILL our server, like a crash (fault-injection tests);
//                                                    exits 1 if this script did not start it
//   node scripts/services.mjs start kafka|cassandra  bring one back (same as `up <svc>`)
//   node scripts/services.mjs stop kafka|cassandra   graceful stop of one (same as `down <svc>`)
// svc is kafka, cassandra or redis; the default is all three.
//
// With --cluster the same commands act on a three-node cluster beside those servers (scripts/services/cluster.mjs):
//   node scripts/services.mjs up --cluster           Kafka brokers kafka-1..3 (KRaft) and Cassandra nodes
//                                                    cassandra-1..3 (dc1) on 127.0.0.11-13, ports 9092/9042 each;
//                                                    waits until the cluster is whole (every broker registered,
//                                                    every partition's ISR full, every node UN)
//   node scripts/services.mjs down --cluster [--purge]
//   node scripts/services.mjs status --cluster       one line per node, then whether the cluster is whole
//   node scripts/services.mjs kill|stop <node> --cluster    SIGKILL (a crash) or graceful stop of one node
//   node scripts/services.mjs start <node> --cluster        start it and wait until the cluster is whole again
// State lives in .services/cluster (or $SERVICES_CLUSTER_DIR); heaps: SERVICES_CLUSTER_CASSANDRA_HEAP (768m),
// SERVICES_CLUSTER_KAFKA_HEAP (512m). The origin's settings for it are CLUSTER_ENV in cluster-nodes.mjs.
//
// Jars come from Maven Central on first use (scripts/services/*.pom.xml, cached in
// .services/kafka-lib and .services/cassandra-lib). State (data, logs in .services/logs, pid
// files in .services/run) lives in .services/ at the repo root, or in $SERVICES_DIR.
// Java 17 is found via $JAVA17_HOME, /usr/lib/jvm/java-17-openjdk-*, or `java` if it is a 17.
// Cassandra's heap is 2g (SERVICES_CASSANDRA_HEAP); 1g holds the tests but not the origin bench's load.
// Tests can drive the same lifecycle from scripts/services/lib.mjs (startKafka, killCassandra, ...).
import { SERVICES, ServiceError, kill, purge, start, status, stop } from "./services/lib.mjs";

const USAGE =
  "usage: node scripts/services.mjs up|down [--purge]|status|start|stop|kill [kafka|cassandra|redis ...]\n" +
  "       node scripts/services.mjs up|down [--purge]|status|start|stop|kill [kafka-1|...|cassandra-3 ...] --cluster";

function pickServices(names, { required = false } = {}) {
  if (names.length === 0) {
    if (required) throw new ServiceError(`name a service: ${Object.keys(SERVICES).join(", ")}\n${USAGE}`);
    return Object.values(SERVICES);
  }
  return names.map((n) => {
    if (!SERVICES[n]) throw new ServiceError(`unknown service "${n}" (known: ${Object.keys(SERVICES).join(", ")})`);
    return SERVICES[n];
  });
}

const say = (line) => console.log(line);

function printStatus(rows) {
  for (const r of rows) {
    say(
      `${r.name.padEnd(11)} ${(r.up ? "up" : "down").padEnd(5)} ${r.address.padEnd(16)} ${r.owner.padEnd(18)} ${r.detail}`,
    );
  }
}

async function up(svcs) {
  const results = await Promise.allSettled(svcs.map((s) => start(s, { log: say })));
  let failed = false;
  results.forEach((r, i) => {
    if (r.status === "rejected") {
      failed = true;
      console.error(
        r.reason instanceof ServiceError ? r.reason.message : `${svcs[i].name}: ${r.reason?.stack ?? r.reason}`,
      );
    } else if (r.value.state === "started") {
      say(`${r.value.name}: ready in ${r.value.seconds} s`);
    }
  });
  printStatus(await Promise.all(svcs.map(status)));
  return failed ? 1 : 0;
}

async function down(svcs, { purgeData }) {
  // Stopping Kafka and Cassandra in parallel halves the wait; each has its own grace period.
  const results = await Promise.all(svcs.map(stop));
  for (const r of results) {
    say(r.state === "stopped" ? `${r.name}: stopped (pid ${r.pid})` : `${r.name}: nothing of ours running, left alone`);
  }
  if (purgeData) {
    for (const r of svcs.map(purge)) if (r.state === "purged") say(`${r.name}: data deleted`);
  }
  return 0;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith("--"));
  const names = rest.filter((a) => !a.startsWith("--"));
  const unknown = flags.filter((f) => !(cmd === "down" && f === "--purge") && f !== "--cluster");
  if (unknown.length) throw new ServiceError(`unknown option ${unknown[0]}\n${USAGE}`);
  if (flags.includes("--cluster")) {
    // Loaded only here: the single-node commands must not depend on the cluster's files.
    const { clusterMain } = await import("./services/cluster-cli.mjs");
    return clusterMain(cmd, names, { purgeData: flags.includes("--purge"), say, printStatus, usage: USAGE });
  }
  switch (cmd) {
    case "up":
      return up(pickServices(names));
    case "start":
      return up(pickServices(names, { required: true }));
    case "down":
      return down(pickServices(names), { purgeData: flags.includes("--purge") });
    case "stop":
      return down(pickServices(names, { required: true }), { purgeData: false });
    case "status": {
      const rows = await Promise.all(pickServices(names).map(status));
      printStatus(rows);
      return rows.every((r) => r.up) ? 0 : 1;
    }
    case "kill":
      for (const svc of pickServices(names, { required: true })) {
        const r = await kill(svc); // throws when there is nothing of ours to kill
        say(`${r.name}: killed (SIGKILL, pid ${r.pid})`);
      }
      return 0;
    default:
      say(USAGE);
      return cmd === undefined || cmd === "help" || cmd === "--help" ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof ServiceError ? e.message : (e?.stack ?? String(e)));
    process.exitCode = 1;
  },
);
