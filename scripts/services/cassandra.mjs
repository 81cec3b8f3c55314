// Cassandra 5.0.9, single node on 127.0.0.1:9042 (CQL) / 7000 (storage), on Java 17.
// Runtime jars come from Maven Central via cassandra.pom.xml; cassandra.yaml, logback.xml and
// the Java 17 JPMS flags sit beside this file.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LOG_DIR, SCRIPT_DIR, STATE_DIR, ServiceError, ensureLib, findJava17 } from "./common.mjs";
import { probeCassandra } from "./probes.mjs";

const HOME = path.join(STATE_DIR, "cassandra");
const OUT_FILE = path.join(LOG_DIR, "cassandra.out"); // stdout/stderr: JVM-level errors only
const LOG_FILE = path.join(LOG_DIR, "cassandra.log"); // written by logback
// 2g: the search indexes (storage-attached) take memory under sustained writes; with 1g the origin bench ran
// Cassandra out of heap.
const HEAP = process.env.SERVICES_CASSANDRA_HEAP || "2g";

/** cassandra-jvm17.options: one flag per line ("--add-opens x" is two JVM arguments). */
export function jpmsFlags() {
  return fs
    .readFileSync(path.join(SCRIPT_DIR, "cassandra-jvm17.options"), "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .flatMap((l) => l.split(/\s+/));
}

/** The JVM arguments of a Cassandra daemon; `extra` go before the class path (system properties, JMX). */
export function daemonArgs({ lib, jamm, heap, config, home, logDir = LOG_DIR, extra = [] }) {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    "-Xss256k",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:+PerfDisableSharedMem", // no hsperfdata mmap writes (upstream default)
    `-javaagent:${path.join(lib, jamm)}`, // object sizing for memtables
    ...jpmsFlags(),
    `-Dcassandra.config=${pathToFileURL(config).href}`,
    `-Dcassandra.storagedir=${home}`, // data, commitlog, hints, saved caches
    `-Dcassandra.logdir=${logDir}`, // used by cassandra-logback.xml
    `-Dlogback.configurationFile=${path.join(SCRIPT_DIR, "cassandra-logback.xml")}`,
    "-Dcassandra-foreground=yes", // otherwise the daemon closes stdout/stderr
    "-Djava.net.preferIPv4Stack=true",
    ...extra,
    "-cp",
    `${lib}/*`,
    "org.apache.cassandra.service.CassandraDaemon",
  ];
}

/** The jamm agent jar in a Cassandra classpath (Cassandra refuses to start without it). */
export function jammJar(lib) {
  const jamm = fs.readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
  if (!jamm) throw new ServiceError(`cassandra: no jamm-*.jar in ${lib} (needed as -javaagent)`);
  return jamm;
}

export const cassandra = {
  name: "cassandra",
  port: 9042,
  auxPorts: [7000], // inter-node storage port, bound even on a single node
  marker: "org.apache.cassandra.service.CassandraDaemon",
  readyTimeoutMs: 180_000, // first start on 2 cores creates all system keyspaces
  stopGraceMs: 30_000,
  dataDirs: [HOME],
  logFiles: [LOG_FILE, OUT_FILE],
  probe: () => probeCassandra(9042),

  async prepare(log) {
    const java = findJava17(); // 5.0 supports 11 and 17 only; it breaks on the JDK 25 also installed here
    const lib = await ensureLib("cassandra", path.join(SCRIPT_DIR, "cassandra.pom.xml"), log);
    const jamm = jammJar(lib);
    fs.mkdirSync(HOME, { recursive: true });
    const args = daemonArgs({
      lib,
      jamm,
      heap: HEAP,
      config: path.join(SCRIPT_DIR, "cassandra.yaml"),
      home: HOME,
      // Single node: nobody to gossip with, so skip the waits meant for real clusters.
      extra: ["-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=1000"],
    });
    return { cmd: java, args, logFile: OUT_FILE };
  },
};
