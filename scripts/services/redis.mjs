// Redis on 127.0.0.1:6379. Usually one is already running on the machine and is reused;
// otherwise a throwaway redis-server from the Debian package is started (no persistence).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { LOG_DIR, STATE_DIR, ServiceError } from "./common.mjs";
import { probeRedis } from "./probes.mjs";

const HOME = path.join(STATE_DIR, "redis");
const LOG_FILE = path.join(LOG_DIR, "redis.log");

export const redis = {
  name: "redis",
  port: 6379,
  auxPorts: [],
  marker: "redis-server",
  readyTimeoutMs: 15_000,
  stopGraceMs: 10_000,
  dataDirs: [HOME],
  logFiles: [LOG_FILE],
  probe: () => probeRedis(6379),

  async prepare() {
    if (spawnSync("redis-server", ["--version"]).error) {
      throw new ServiceError(
        "redis: redis-server not found; install it with: apt-get update && apt-get install -y redis-server",
      );
    }
    fs.mkdirSync(HOME, { recursive: true });
    const args = [
      "--bind",
      "127.0.0.1",
      "--port",
      "6379",
      "--daemonize",
      "no", // we track the pid ourselves
      "--save",
      "",
      "--appendonly",
      "no", // test data: no snapshots, no AOF
      "--dir",
      HOME,
      "--logfile",
      "", // stdout, i.e. redis.log
    ];
    return { cmd: "redis-server", args, logFile: LOG_FILE };
  },
};
