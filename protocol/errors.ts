/**
 * Errors are values: a code from this fixed set reaches the client unchanged, as an HTTP error body or an
 * `error` frame. Each code has one HTTP status.
 */
import { MAX_BODY_BYTES } from "./limits.js";

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Refusals after which the server decided nothing: a client retries the same send (same clientMsgId), in order. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["rate_limited", "unavailable", "internal"]);

export interface ChatError {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ChatError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, retryAfterMs?: number): { ok: false; error: ChatError } => ({
  ok: false,
  error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs },
});

/** A refusal kept as a constant (NOT_A_MEMBER, BODY_TOO_LARGE) as a failed Result. */
export const failWith = (error: ChatError): { ok: false; error: ChatError } => ({ ok: false, error });

export function errorBody(error: ChatError): { error: ChatError } {
  return { error };
}

/** An error over HTTP: the code's status, `{"error":…}`, and `Retry-After` (whole seconds, rounded up) when it says when. */
export function errorResponse(error: ChatError): Response {
  const headers: Record<string, string> =
    error.retryAfterMs === undefined ? {} : { "Retry-After": String(Math.ceil(error.retryAfterMs / 1000)) };
  return Response.json(errorBody(error), { status: ERROR_STATUS[error.code], headers });
}

/** A non-member and a conversation that does not exist get the same answer, so ids reveal nothing. */
export const NOT_A_MEMBER: ChatError = { code: "forbidden", message: "not a member of this conversation" };

/** A message body over MAX_BODY_BYTES of UTF-8, wherever it is checked (frames, HTTP, the client before sending). */
export const BODY_TOO_LARGE: ChatError = { code: "too_large", message: `body exceeds ${MAX_BODY_BYTES} bytes` };

/** What a caller is told of a failure inside the edge: its own text stays in the logs. */
export const INTERNAL_ERROR: ChatError = { code: "internal", message: "internal error" };
