/** What the origin's HTTP routes depend on: the backend interfaces, never their implementations. */
import type { HttpBindings } from "@hono/node-server";
import type { MessageLog } from "../message-log/message-log.js";
import type { EndpointPolicy } from "../../protocol/push-endpoint.js";
import type { MessageStore } from "../message-store/message-store.js";
import type { PresenceStore } from "../presence/presence-store.js";
import type { ReplayGuard } from "../replay/replay-guard.js";
import type { Logger } from "../shared/log.js";
import type { SubscriptionStore } from "../subscriptions/subscription-store.js";
import type { BodyBudget } from "./body-budget.js";

export interface ApiDeps {
  /** The secrets edge requests may be signed with: ORIGIN_SECRET, and during a rotation the previous one. */
  secrets: string[];
  /** Signatures already served, shared by every ingest process. */
  replays: ReplayGuard;
  /** Bytes of bodies being received before they are verified, bounded per process. */
  budget: BodyBudget;
  endpoints: EndpointPolicy;
  log: Logger;
  messageLog: MessageLog;
  messages: MessageStore;
  presence: PresenceStore;
  subscriptions: SubscriptionStore;
}

/**
 * Hono bindings: Node's request (the app is served by @hono/node-server only; the body is read off it), and the raw
 * body the signature middleware verified, for the handler to parse.
 */
export type ApiEnv = { Bindings: HttpBindings; Variables: { rawBody: string } };
