/** The Hono app's typed bindings and per-request variables. */
import type { EdgeConfig, Env } from "./config.js";

export type AppEnv = { Bindings: Env; Variables: { config: EdgeConfig; userId: string } };
