/** Structured logs (one JSON object a line), the shape Workers Logs indexes; every line names its object. */
export type Level = "debug" | "info" | "warn" | "error";

export function log(level: Level, source: string, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, source, event, ...fields, ...(fields.error instanceof Error ? { error: fields.error.message } : {}) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
