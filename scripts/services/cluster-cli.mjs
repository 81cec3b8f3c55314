// The `--cluster` commands of scripts/services.mjs.
import { ServiceError } from "./common.mjs";
import {
  NODES,
  cassandraState,
  clusterStatus,
  downCluster,
  kafkaState,
  killNode,
  nodeOf,
  startNode,
  stopNode,
  upCluster,
  waitWhole,
} from "./cluster.mjs";

function namesOf(names, { required }) {
  if (names.length === 0 && required) throw new ServiceError(`name a node: ${Object.keys(NODES).join(", ")}`);
  return names.map((n) => nodeOf(n).name);
}

async function printWhole(say) {
  const [kafka, cassandra] = await Promise.all([kafkaState(), cassandraState()]);
  say(
    `cluster    ${kafka.whole && cassandra.whole ? "whole" : "NOT whole"}: kafka ${kafka.detail}; cassandra ${cassandra.detail}`,
  );
  return kafka.whole && cassandra.whole;
}

export async function clusterMain(cmd, names, { purgeData, say, printStatus, usage }) {
  switch (cmd) {
    case "up": {
      if (names.length > 0)
        throw new ServiceError("up --cluster starts the whole cluster; start <node> --cluster starts one");
      const { started, whole, seconds } = await upCluster({ log: say });
      for (const r of started) if (r.state === "started") say(`${r.name}: serving in ${r.seconds} s`);
      say(`cluster whole in ${seconds} s (kafka: ${whole.kafka}; cassandra: ${whole.cassandra})`);
      printStatus(await clusterStatus());
      return 0;
    }
    case "down": {
      if (names.length > 0)
        throw new ServiceError("down --cluster stops the whole cluster; stop <node> --cluster stops one");
      for (const r of await downCluster({ purgeData }))
        say(r.state === "stopped" ? `${r.name}: stopped (pid ${r.pid})` : `${r.name}: not running`);
      if (purgeData) say("cluster data deleted");
      return 0;
    }
    case "status": {
      printStatus(await clusterStatus());
      return (await printWhole(say)) ? 0 : 1;
    }
    case "kill":
      for (const name of namesOf(names, { required: true })) {
        const r = await killNode(name);
        say(`${r.name}: killed (SIGKILL, pid ${r.pid})`);
      }
      return 0;
    case "stop":
      for (const name of namesOf(names, { required: true })) {
        const r = await stopNode(name);
        say(r.state === "stopped" ? `${r.name}: stopped (pid ${r.pid})` : `${r.name}: not running`);
      }
      return 0;
    case "start": {
      for (const name of namesOf(names, { required: true })) {
        const r = await startNode(name, { log: say });
        say(`${r.name}: ${r.state === "started" ? `serving in ${r.seconds} s` : "already running"}`);
      }
      const whole = await waitWhole({ log: say });
      say(`cluster whole again after ${whole.seconds} s more (kafka: ${whole.kafka}; cassandra: ${whole.cassandra})`);
      return 0;
    }
    default:
      say(usage);
      return 2;
  }
}
