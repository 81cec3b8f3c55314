/**
 * kafkajs 2.2.4 looks up a consumer group's coordinator when the consumer joins and then keeps that broker: when it
 * dies, heartbeats and offset commits go on to it (reconnecting, refused, then "Broker N not found in the cached
 * metadata" once the cluster dropped it), and a broker that stopped being the coordinator keeps being asked. Only when
 * the consumer's retries run out does it restart and find the new one: about a minute without commits. Kafka's own
 * client marks the coordinator unknown after such an error and asks the cluster again; this makes kafkajs do the same.
 * The group's members and generation live in Kafka (`__consumer_offsets`), so the new coordinator takes the member's
 * heartbeats and commits as they were: no rebalance.
 *
 * It changes two private classes of kafkajs, which package.json pins to that exact version.
 */
import { createRequire } from "node:module";

interface Broker {
  isConnected(): boolean;
}

interface CoordinatorUser {
  groupId: string;
  cluster: { findGroupCoordinator(args: { groupId: string }): Promise<Broker> };
  coordinator: Broker | null;
  [STALE]?: boolean;
}

type Method = (this: CoordinatorUser, ...args: unknown[]) => Promise<unknown>;

const STALE = Symbol("coordinator stale");
/** Errors that say the broker asked is not (or no longer) the group's coordinator. */
const LOST_NAMES = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
]);
const LOST_TYPES = new Set(["NOT_COORDINATOR_FOR_GROUP", "GROUP_COORDINATOR_NOT_AVAILABLE"]);

let installed = false;

export function findCoordinatorsAgainWhenLost(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const ConsumerGroup = require("kafkajs/src/consumer/consumerGroup.js") as { prototype: Record<string, Method> };
  const OffsetManager = require("kafkajs/src/consumer/offsetManager/index.js") as {
    prototype: Record<string, Method>;
  };
  // The group's heartbeats go to `coordinator` directly; the offset manager asks `getCoordinator()` for commits and
  // reads of offsets.
  watch(ConsumerGroup.prototype, "heartbeat", { lookUpFirst: true });
  watch(OffsetManager.prototype, "commitOffsets", { lookUpFirst: false });
  watch(OffsetManager.prototype, "resolveOffsets", { lookUpFirst: false });
  OffsetManager.prototype.getCoordinator = async function (this: CoordinatorUser) {
    await lookUpIfLost(this);
    return this.coordinator;
  };
}

/** Wraps `name` so an error that says the coordinator is lost makes the next call look it up again. */
function watch(prototype: Record<string, Method>, name: string, { lookUpFirst }: { lookUpFirst: boolean }): void {
  const original = prototype[name]!;
  prototype[name] = async function (this: CoordinatorUser, ...args: unknown[]) {
    if (lookUpFirst) await lookUpIfLost(this);
    try {
      return await original.apply(this, args);
    } catch (error) {
      if (coordinatorLost(error)) this[STALE] = true;
      throw error;
    }
  };
}

/**
 * Until the cluster fences the dead broker (seconds), it still names it as the coordinator, and the lookup's own
 * retries can run out. Its error then says "retries exceeded", which kafkajs takes as fatal and restarts the consumer
 * (a rebalance); the error that caused it is thrown instead, which the consumer retries, and the next call looks up
 * again.
 */
async function lookUpIfLost(user: CoordinatorUser): Promise<void> {
  if (!user.coordinator || (!user[STALE] && user.coordinator.isConnected())) return;
  try {
    user.coordinator = await user.cluster.findGroupCoordinator({ groupId: user.groupId });
  } catch (error) {
    const { name, cause } = error as { name?: string; cause?: unknown };
    throw name === "KafkaJSNumberOfRetriesExceeded" && cause ? cause : error;
  }
  user[STALE] = false;
}

function coordinatorLost(error: unknown): boolean {
  const { name, type } = error as { name?: string; type?: string };
  return LOST_NAMES.has(name ?? "") || LOST_TYPES.has(type ?? "");
}
