/**
 * What the runtime hands each object: the variables (config.ts reads them) and the bindings the objects use. The
 * runtime gives the objects the Worker's environment, whose type is generated from wrangler.toml
 * (workers/worker-configuration.d.ts); workers/stubs.ts takes it as this type, so the compiler checks that it fits.
 */
import type { ConfigVars } from "./config.js";
import type { Conversation } from "./conversation.js";
import type { Moderation } from "./moderation.js";
import type { MeterSink } from "./shared/meter.js";
import type { UserSession } from "./user-session.js";

export interface ObjectEnv extends ConfigVars {
  USER_SESSION: DurableObjectNamespace<UserSession>;
  CONVERSATION: DurableObjectNamespace<Conversation>;
  /** The one moderation queue (moderation/rpc.ts). */
  MODERATION: DurableObjectNamespace<Moderation>;
  /** Attachments' bytes, keyed `<conversationId>/<id>` (protocol/attachments.ts). */
  ATTACHMENTS: R2Bucket;
  /** An optional Workers Analytics Engine dataset that gets the meter's counts (docs/cost.md). */
  METER_DATASET?: MeterSink;
}
