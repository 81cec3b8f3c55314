// Kafka 3.9.1, single node in KRaft mode (broker + controller in one JVM) on 127.0.0.1:9092,
// controller on 9093. Runtime jars come from Maven Central via kafka.pom.xml.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LOG_DIR, SCRIPT_DIR, STATE_DIR, ServiceError, ensureLib, findJava17, run, tail } from "./common.mjs";
import { probeKafka } from "./probes.mjs";

const HOME = path.join(STATE_DIR, "kafka");
const DATA_DIR = path.join(HOME, "data");
const LOG_FILE = path.join(LOG_DIR, "kafka.log");

/** Kafka's Uuid string form: 16 random bytes, base64url without padding; never starts with '-'. */
export function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

export function jvmArgs(lib, heap, logDir = LOG_DIR) {
  return [
    ...heap,
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    `-Dlog4j.configuration=${pathToFileURL(path.join(SCRIPT_DIR, "kafka-log4j.properties")).href}`,
    `-Dkafka.logs.dir=${logDir}`,
    "-cp",
    `${lib}/*`,
  ];
}

/** KRaft storage must be formatted once with a cluster id before the first start. */
export async function formatStorage({ java, lib, props, dataDir, id, fmtLog }) {
  if (fs.existsSync(path.join(dataDir, "meta.properties"))) return;
  fs.writeFileSync(fmtLog, "");
  const code = await run(
    java,
    [...jvmArgs(lib, ["-Xmx256m"]), "kafka.tools.StorageTool", "format", "-t", id, "-c", props, "--ignore-formatted"],
    fmtLog,
  );
  if (code !== 0) throw new ServiceError(`kafka: storage format failed (exit ${code}):\n${tail(fmtLog)}`);
}

export const kafka = {
  name: "kafka",
  port: 9092,
  auxPorts: [9093], // KRaft controller listener
  marker: "kafka.Kafka", // main class, to recognise our pid in /proc/<pid>/cmdline
  readyTimeoutMs: 120_000,
  stopGraceMs: 30_000,
  dataDirs: [HOME],
  logFiles: [LOG_FILE],
  probe: () => probeKafka(9092),

  async prepare(log) {
    const java = findJava17(); // 3.9 runs on 11/17/21; 17 is the one this machine surely has
    const lib = await ensureLib("kafka", path.join(SCRIPT_DIR, "kafka.pom.xml"), log);
    fs.mkdirSync(DATA_DIR, { recursive: true });
    const props = path.join(HOME, "server.properties");
    const template = fs.readFileSync(path.join(SCRIPT_DIR, "kafka-server.properties"), "utf8");
    fs.writeFileSync(props, template.replaceAll("@DATA_DIR@", DATA_DIR));

    await formatStorage({
      java,
      lib,
      props,
      dataDir: DATA_DIR,
      id: clusterId(),
      fmtLog: path.join(LOG_DIR, "kafka-format.log"),
    });
    return { cmd: java, args: [...jvmArgs(lib, ["-Xms256m", "-Xmx512m"]), "kafka.Kafka", props], logFile: LOG_FILE };
  },
};
