/** What every origin service's factory takes and returns, so main.ts and tests start them all alike. */
import type { Backends } from "./backends.js";
import type { ConsumerWatch } from "./kafka/consumer.js";
import type { Logger } from "./shared/log.js";

export interface StartOptions {
  log?: Logger;
  /** Shared clients; without them the service opens its own and closes them on stop. */
  backends?: Backends;
}

export interface RunningService extends ConsumerWatch {
  /** Resolves once the service is serving (its consumer joined its group). */
  ready: Promise<void>;
  stop(): Promise<void>;
}
