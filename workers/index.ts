/** Worker entry point: the HTTP app and the Durable Object classes the runtime instantiates. */
import { loadConfig } from "../durable-objects/config.js";
import { Meter } from "../durable-objects/shared/meter.js";
import { app } from "./app.js";

export { Conversation } from "../durable-objects/conversation.js";
export { UserSession } from "../durable-objects/user-session.js";

export default {
  fetch(request, env, ctx) {
    const meter = Meter.of(loadConfig(env).meterLog, undefined, "Worker", "");
    return meter ? meter.run("fetch", () => app.fetch(request, env, ctx)) : app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
