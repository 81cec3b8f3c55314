/** The origin's HTTP API, called only by the edge, every route signed; health and metrics are on the ops server. */
import { errorResponse, INTERNAL_ERROR } from "../../protocol/errors.js";
import { Hono } from "hono";
import { MAX_INGEST_BYTES } from "../../protocol/events.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { historyRoute } from "./history-route.js";
import { ingestRoute } from "./ingest-route.js";
import { presenceRoute } from "./presence-route.js";
import { searchRoute } from "./search-route.js";
import { signedRequests } from "./signed.js";
import { subscriptionsRoute } from "./subscriptions-route.js";

export function createApiApp(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use(
    "/v1/*",
    signedRequests({
      secrets: deps.secrets,
      replays: deps.replays,
      budget: deps.budget,
      maxBodyBytes: MAX_INGEST_BYTES,
    }),
  );
  app.route("/v1/ingest", ingestRoute(deps));
  app.route("/v1/history", historyRoute(deps));
  app.route("/v1/presence", presenceRoute(deps));
  app.route("/v1/search", searchRoute(deps));
  app.route("/v1/push/subscriptions", subscriptionsRoute(deps));
  app.notFound((c) => errorResponse({ code: "not_found", message: `no route ${c.req.method} ${c.req.path}` }));
  app.onError((error, c) => {
    deps.log.error({ err: error, path: c.req.path }, "unhandled error in origin route");
    return errorResponse(INTERNAL_ERROR);
  });
  return app;
}
