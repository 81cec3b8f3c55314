/**
 * An ingest and a push service on one test file's own keyspace, topics and prefix, and the local push service they
 * send to: what the push tests start in `beforeAll` and stop in `afterAll`.
 */
import type { Backends } from "../../../origin/backends.js";
import type { OriginConfig } from "../../../origin/config.js";
import { openStores, type RunningServices } from "../../../origin/main.js";
import type { SubscriptionStore } from "../../../origin/subscriptions/subscription-store.js";
import { LocalPushService } from "./local-push-service.js";
import { cleanupRun, configOf, groupStable, log, prepareRun, requireServices, startProcess } from "../support.js";

export interface PushRun {
  config: OriginConfig;
  backends: Backends;
  origin: RunningServices;
  push: RunningServices;
  /** The subscriptions as the services store them. */
  store: SubscriptionStore;
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
  const origin = await startProcess(config, "ingest", backends);
  const push = await startProcess(config, "push", backends);
  await groupStable(config, config.kafka.groups.push);
  const stores = openStores(config, backends, log);
  return {
    config,
    backends,
    origin,
    push,
    pushService,
    store: stores.subscriptions,
    async stop() {
      await origin.stop();
      await push.stop();
      await stores.close();
      await pushService.stop();
      await cleanupRun(config, backends);
    },
  };
}
