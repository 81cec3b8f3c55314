import type { Result } from "../../protocol/errors.js";

/** The origin's logical streams; each implementation maps them to its own names (Kafka: prefixed topics). */
export type Stream = "messages" | "dlq" | "reports";

export interface LogRecord {
  stream: Stream;
  /** Records with the same key keep their relative order (messages: conversationId). */
  key: string | null;
  value: string;
}

/**
 * The durable, partitioned log between ingest and the consumers (persister, push).
 *
 * Contract:
 * - `append` resolves `ok` only once every record is acknowledged by every in-sync replica; until then nothing may be
 *   acknowledged upstream. An empty list is `ok` at once.
 * - Records with the same key are appended in list order, and stay in that order for consumers.
 * - On failure (`unavailable`) any subset may already be stored: callers retry the whole list, so consumers must treat
 *   a record seen twice as one (every origin write is a keyed upsert).
 * - `append` never hangs forever: it fails within the implementation's configured timeout.
 */
export interface MessageLog {
  append(records: readonly LogRecord[]): Promise<Result<void>>;
  /** Reachability of the log, for `GET /healthz`. */
  check(): Promise<Result<void>>;
  close(): Promise<void>;
}
