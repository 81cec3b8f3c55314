/**
 * The dead-letter record: what could not be processed, why, and where it came from. Nothing the origin receives is
 * dropped silently; whatever it cannot use lands here, to be inspected or replayed.
 */
import type { LogRecord } from "./message-log.js";

export interface DeadLetter {
  reason: string;
  /** The service that refused it: ingest, persister or push. */
  service: string;
  /** The event as received (parsed JSON), or the raw text when it was not JSON. */
  payload: unknown;
  /** For records refused by a consumer: their position in the source topic. */
  source?: { topic: string; partition: number; offset: string };
  at: number;
}

export function deadLetterRecord(letter: DeadLetter, key: string | null = null): LogRecord {
  return { stream: "dlq", key, value: JSON.stringify(letter) };
}
