/** Serves the origin's HTTP API (ingest, history, presence, subscriptions) on @hono/node-server. */
import type { OriginConfig } from "../config.js";
import { listen, type Listening } from "../shared/listen.js";
import type { Logger } from "../shared/log.js";
import { createApiApp } from "./app.js";
import { BodyBudget } from "./body-budget.js";
import type { ApiDeps } from "./deps.js";

/** The backend interfaces the routes use. */
export type ApiStores = Pick<ApiDeps, "messageLog" | "messages" | "presence" | "subscriptions" | "replays">;

export async function startApi(config: OriginConfig, stores: ApiStores, log: Logger): Promise<Listening> {
  const apiLog = log.child({ service: "ingest" });
  const app = createApiApp({
    messageLog: stores.messageLog,
    messages: stores.messages,
    presence: stores.presence,
    subscriptions: stores.subscriptions,
    replays: stores.replays,
    secrets: [config.secret, ...(config.previousSecret ? [config.previousSecret] : [])],
    budget: new BodyBudget(config.maxUnverifiedBytes),
    endpoints: config.push.endpoints,
    log: apiLog,
  });
  const server = await listen(app, config);
  apiLog.info({ port: server.port }, "origin HTTP API listening");
  return server;
}
