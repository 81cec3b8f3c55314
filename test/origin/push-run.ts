/**
 * An ingest and a push service on one test file's own keyspace, topics and prefix, and the local push service they
 * send to: what the push tests start in `beforeAll` and stop in `afterAll`.
 */
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import { startOrigin, type RunningOrigin } from "../../origin/api/server.js";
import { startPush } from "../../origin/push/index.js";
import type { Consuming } from "../../origin/message-log/log-consumer.js";
import { CassandraSubscriptionStore } from "../../origin/subscriptions/subscription-store-cassandra.js";
import { LocalPushService } from "./local-push-service.js";
import { cleanupRun, configOf, groupStable, log, prepareRun, requireServices } from "./support.js";

export interface PushRun {
  config: OriginConfig;
  backends: Backends;
  origin: RunningOrigin;
  push: Consuming;
  /** The subscriptions as the services store them. */
  store: CassandraSubscriptionStore;
  pushService: LocalPushService;
  stop(): Promise<void>;
}

/** `answerDelayMs`: how long the local push service waits before each answer. */
export async function startPushRun(env: Record<string, string>, answerDelayMs = 0): Promise<PushRun> {
  const config = configOf(env);
  await requireServices(config);
  const backends = await prepareRun(config);
  const pushService = new LocalPushService();
  await pushService.start(answerDelayMs);
  const origin = await startOrigin(config, { log, backends });
  const push = await startPush(config, { log, backends });
  await groupStable(config, config.kafka.groups.push);
  return {
    config, backends, origin, push, pushService,
    store: new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser),
    async stop() {
      await origin.stop();
      await push.stop();
      await pushService.stop();
      await cleanupRun(config, backends);
    },
  };
}
