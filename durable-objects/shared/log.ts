/** Structured logs (one JSON object a line), the shape Workers Logs indexes; every line names its object. */
export type Level = "debug" | "info" | "warn" | "error";

export function log(level: Level, source: string, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({
    level,
    source,
    event,
    ...fields,
    ...(fields.error instanceof Error ? { error: fields.error.message } : {}),
  });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * An entry point's failure, named as partyserver names it (`Error in UserSession:alice webSocketMessage`). The error's
 * text stays in this line: the caller is answered with the protocol's error value.
 */
export function logFailure(
  className: string,
  name: string,
  entry: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): void {
  log("error", className, "entry_failed", {
    message: `Error in ${className}:${name} ${entry}`,
    object: name,
    entry,
    ...fields,
    error,
  });
}

/**
 * Runs `work` without waiting for it (the object stays up while it runs), logging a failure instead of leaving a
 * rejection unhandled: for work whose failures are retried or harmless, such as a kick of a loop an alarm also drives.
 */
export function inBackground(
  work: Promise<unknown>,
  source: string,
  event: string,
  fields: Record<string, unknown> = {},
): void {
  work.catch((error: unknown) => log("error", source, event, { ...fields, error }));
}
