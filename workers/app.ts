/** The edge Worker: a stateless Hono router in front of the Durable Objects. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_HTTP_BODY_BYTES } from "../protocol/index.js";
import { requireUser } from "./auth.js";
import { loadConfig } from "../durable-objects/config.js";
import type { AppEnv } from "./context.js";
import { notFound, onError, raise } from "./errors.js";
import { connect } from "./routes/connect.js";
import { attachments } from "./routes/attachments.js";
import { blocks, settings } from "./routes/blocks.js";
import { conversations } from "./routes/conversations.js";
import { dev } from "./routes/dev.js";
import { moderation } from "./routes/moderation.js";
import { presence } from "./routes/presence.js";
import { push } from "./routes/push.js";
import { reports } from "./routes/reports.js";
import { search } from "./routes/search.js";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  c.set("config", loadConfig(c.env));
  await next();
});
const limitBody = bodyLimit({
  maxSize: MAX_HTTP_BODY_BYTES,
  onError: () => raise("too_large", `request body exceeds ${MAX_HTTP_BODY_BYTES} bytes`),
});
/** An attachment upload is streamed into R2 under its own limit (ATTACHMENT_MAX_BYTES), not held as JSON is. */
const UPLOAD_PATH = /^\/v1\/conversations\/[^/]+\/attachments$/;
app.use("/v1/*", (c, next) => (c.req.method === "POST" && UPLOAD_PATH.test(c.req.path) ? next() : limitBody(c, next)));

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/v1/dev", dev);
app.route("/v1/connect", connect);
app.use("/v1/conversations/*", requireUser());
app.use("/v1/presence/*", requireUser());
app.use("/v1/push/*", requireUser());
app.use("/v1/search/*", requireUser());
app.use("/v1/blocks/*", requireUser());
app.use("/v1/settings/*", requireUser());
app.route("/v1/conversations", attachments);
app.route("/v1/conversations", conversations);
app.route("/v1/conversations", reports);
app.route("/v1/presence", presence);
app.route("/v1/push", push);
app.route("/v1/search", search);
app.route("/v1/blocks", blocks);
app.route("/v1/settings", settings);
app.route("/v1/moderation", moderation);

app.notFound(notFound);
app.onError(onError);
