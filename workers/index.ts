/** Worker entry point: the HTTP app and the Durable Object classes the runtime instantiates. */
import { app } from "./app.js";

export { Conversation } from "../durable-objects/conversation.js";
export { UserSession } from "../durable-objects/user-session.js";

export default { fetch: app.fetch } satisfies ExportedHandler<import("./config.js").Env>;
