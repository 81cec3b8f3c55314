/** Worker entry point: the HTTP app and the Durable Object classes the runtime instantiates. */
import { loadConfig } from "../durable-objects/config.js";
import { Meter } from "../durable-objects/shared/meter.js";
import { app } from "./app.js";

export { Conversation } from "../durable-objects/conversation.js";
export { UserSession } from "../durable-objects/user-session.js";
export { Moderation } from "../durable-objects/moderation.js";

export default {
  fetch(request, env, ctx) {
    const meter = Meter.of(loadConfig(env).meterLog, undefined, "Worker", "");
    if (!meter) return app.fetch(request, env, ctx);
    const counted = { ...env, ATTACHMENTS: meter.bucket(env.ATTACHMENTS) };
    return meter.run("fetch", () => app.fetch(request, counted, ctx));
  },
} satisfies ExportedHandler<Env>;
