/** The Hono app's typed bindings (`Env`, generated from wrangler.toml: worker-configuration.d.ts) and per-request variables. */
import type { EdgeConfig } from "../durable-objects/config.js";

export type AppEnv = { Bindings: Env; Variables: { config: EdgeConfig; userId: string } };
