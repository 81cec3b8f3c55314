/**
 * The faults of `npm run chaos -- --cluster`, against the local three-node cluster (scripts/services/cluster.mjs):
 * a node lost or restarted under traffic while the others carry on. A killed node stays down through the audit
 * (the audit then reads at LOCAL_QUORUM from the two left) and `restore` brings it back, waiting until the cluster is
 * whole again, so the next scenario starts on a whole cluster.
 */
import { clusterLib, type ClusterLib, type ClusterNode } from "./cluster.js";
import { pendingInStore } from "./evidence.js";
import type { Fault, FaultContext, FaultOutcome } from "./faults.js";
import type { OriginPipeline } from "./origin.js";
import type { Random } from "./random.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const REJOIN_TIMEOUT_MS = 300_000;

function originOf(ctx: FaultContext): OriginPipeline {
  if (!ctx.world.origin) throw new Error("a cluster scenario needs an origin");
  return ctx.world.origin;
}

/** The broker leading the most partitions of the run's messages topic (ties broken at random). */
async function leadingBroker(
  lib: ClusterLib,
  topic: string,
  random: Random,
): Promise<{ node: ClusterNode; led: string }> {
  const partitions = (await lib.kafkaState()).partitions.filter((p) => p.topic === topic);
  const led = (n: ClusterNode) => partitions.filter((p) => p.leader === n.index).length;
  const most = Math.max(...lib.KAFKA_NODES.map(led));
  const node = random.pick(lib.KAFKA_NODES.filter((n) => led(n) === most));
  return { node, led: `${most} of ${partitions.length}` };
}

async function killBroker(ctx: FaultContext, lib: ClusterLib): Promise<ClusterNode> {
  const { node, led } = await leadingBroker(lib, originOf(ctx).config.kafka.topics.messages, ctx.random);
  ctx.onFault();
  const killed = await lib.killNode(node.name);
  ctx.say(`SIGKILL ${node.name} (pid ${killed.pid}), leader of ${led} partitions of the messages topic`);
  return node;
}

/**
 * The broker coordinating the persister's consumer group: the leader of the group's partition of `__consumer_offsets`,
 * which Kafka picks from the group id's Java hash code.
 */
async function killCoordinator(ctx: FaultContext, lib: ClusterLib): Promise<ClusterNode> {
  const group = originOf(ctx).config.kafka.groups.persister;
  const offsets = (await lib.kafkaState()).partitions.filter((p) => p.topic === "__consumer_offsets");
  const partition = (javaHashCode(group) & 0x7fffffff) % offsets.length;
  const leader = offsets.find((p) => p.partition === partition)?.leader;
  const node = lib.KAFKA_NODES.find((n) => n.index === leader);
  if (!node) throw new Error(`no live leader for __consumer_offsets-${partition}, the group ${group}'s coordinator`);
  ctx.onFault();
  const killed = await lib.killNode(node.name);
  ctx.say(`SIGKILL ${node.name} (pid ${killed.pid}), coordinator of ${group} (__consumer_offsets-${partition})`);
  return node;
}

function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

async function killCassandraNode(ctx: FaultContext, lib: ClusterLib): Promise<ClusterNode> {
  const node = ctx.random.pick(lib.CASSANDRA_NODES);
  ctx.onFault();
  const killed = await lib.killNode(node.name);
  ctx.say(`SIGKILL ${node.name} (pid ${killed.pid})`);
  return node;
}

/** Starts every node that is not running and waits until the cluster is whole; resolves with how long that took. */
async function rejoin(ctx: FaultContext, lib: ClusterLib, nodes: ClusterNode[]): Promise<number> {
  const started = Date.now();
  for (const node of nodes) await lib.startNode(node.name);
  await lib.waitWhole({ timeoutMs: REJOIN_TIMEOUT_MS });
  const ms = Date.now() - started;
  ctx.say(`${nodes.map((n) => n.name).join(" and ")} back and the cluster whole after ${ms} ms`);
  return ms;
}

async function restoreAll(ctx: FaultContext): Promise<void> {
  const lib = await clusterLib();
  await rejoin(ctx, lib, [...lib.KAFKA_NODES, ...lib.CASSANDRA_NODES]);
}

/** Kills what `kill` picks, leaves it down for --down seconds of traffic, and leaves it down (restore restarts it). */
function killAndLeave(kill: (ctx: FaultContext, lib: ClusterLib) => Promise<ClusterNode[]>): Fault {
  return {
    async inject(ctx) {
      const lib = await clusterLib();
      const started = Date.now();
      const nodes = await kill(ctx, lib);
      await sleep(ctx.downS * 1000);
      const [kafka, cassandra] = await Promise.all([lib.kafkaState(), lib.cassandraState()]);
      ctx.say(`after ${ctx.downS} s: kafka ${kafka.detail}; cassandra ${cassandra.detail}`);
      return { outageMs: Date.now() - started, details: { killed: nodes.map((n) => n.name).join("+") } };
    },
    restore: restoreAll,
  };
}

const brokerKill = killAndLeave(async (ctx, lib) => [await killBroker(ctx, lib)]);
const coordinatorKill = killAndLeave(async (ctx, lib) => [await killCoordinator(ctx, lib)]);
const nodeKill = killAndLeave(async (ctx, lib) => [await killCassandraNode(ctx, lib)]);
const bothKill = killAndLeave(async (ctx, lib) => {
  const broker = await killBroker(ctx, lib);
  await sleep((ctx.downS * 1000) / 2);
  return [broker, await killCassandraNode(ctx, lib)];
});

/**
 * A broker and a Cassandra node killed, down for --down seconds of traffic, restarted: the cluster must become whole
 * (the broker back in every ISR), and the node must hold, by itself, every write it missed (hinted handoff): read at
 * consistency ONE from it alone, which a quorum read would hide by asking another replica.
 */
const rejoinFault: Fault = {
  async inject(ctx) {
    const lib = await clusterLib();
    const origin = originOf(ctx);
    const started = Date.now();
    const nodes = [await killBroker(ctx, lib), await killCassandraNode(ctx, lib)];
    await sleep(ctx.downS * 1000);
    const missed = [...ctx.traffic.sends.values()].filter((s) => s.seq !== undefined);
    const rejoinMs = await rejoin(ctx, lib, nodes);
    const node = nodes[1]!;
    const outcome: FaultOutcome = {
      outageMs: Date.now() - started,
      details: { killed: nodes.map((n) => n.name).join("+"), rejoinMs },
    };
    const caughtUp = Date.now();
    for (;;) {
      const pending = await pendingInStore(origin, missed, (id, maxSeq) => origin.rowsOn(node.host, id, maxSeq)).catch(
        () => -1,
      );
      if (pending === 0) break;
      if (Date.now() - caughtUp > REJOIN_TIMEOUT_MS) {
        outcome.violations = [`rejoinedNodeMissing ${pending} of ${missed.length} writes acked while it was down`];
        return outcome;
      }
      await sleep(1_000);
    }
    outcome.details.nodeHasAllMs = Date.now() - caughtUp;
    ctx.say(
      `${node.name} alone holds all ${missed.length} entries acked before its restart ${outcome.details.nodeHasAllMs} ms after the cluster was whole`,
    );
    return outcome;
  },
  restore: restoreAll,
};

/** Every broker, then every Cassandra node, stopped gracefully and started again, one at a time, each rejoined first. */
const rolling: Fault = {
  async inject(ctx) {
    const lib = await clusterLib();
    const started = Date.now();
    let longest = 0;
    for (const node of [...lib.KAFKA_NODES, ...lib.CASSANDRA_NODES]) {
      ctx.onFault();
      const at = Date.now();
      await lib.stopNode(node.name);
      ctx.say(`${node.name} stopped (SIGTERM); starting it again`);
      await rejoin(ctx, lib, [node]);
      longest = Math.max(longest, Date.now() - at);
    }
    return { outageMs: Date.now() - started, details: { restarted: 6, longestNodeMs: longest } };
  },
  restore: restoreAll,
};

export function clusterFaultOf(name: string): Fault {
  switch (name) {
    case "broker-kill":
      return brokerKill;
    case "coordinator-kill":
      return coordinatorKill;
    case "node-kill":
      return nodeKill;
    case "both-kill":
      return bothKill;
    case "rejoin":
      return rejoinFault;
    case "rolling":
      return rolling;
    default:
      throw new Error(`no cluster fault named ${name}`);
  }
}
