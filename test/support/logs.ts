/** The structured log lines (durable-objects/shared/log.ts) an edge module writes at one level while `work` runs. */
import { vi } from "vitest";

export async function logLines(level: "warn" | "error", work: () => unknown): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, level).mockImplementation(() => undefined);
  try {
    await work();
    return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
  } finally {
    spy.mockRestore();
  }
}
