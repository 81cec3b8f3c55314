/** Structured logs (pino) for every origin service; libraries with their own loggers are routed here too. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "chat-origin" } });
}
