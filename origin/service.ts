/** What every origin service's factory takes, so main.ts and tests start them all alike. */
import type { Backends } from "./backends.js";
import type { Logger } from "./shared/log.js";

export interface StartOptions {
  log?: Logger;
  /** Shared clients; without them the service opens its own and closes them on stop. */
  backends?: Backends;
}
