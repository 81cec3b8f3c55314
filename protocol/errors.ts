/**
 * Errors are values: a code from this fixed set reaches the client unchanged, as an HTTP error body or an
 * `error` frame. Each code has one HTTP status.
 */
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

/** Thrown inside request handlers; the Worker's error handler turns it into the protocol's error body. */
export class ChatException extends Error {
  constructor(readonly error: ChatError) {
    super(error.message);
  }
  get status(): number {
    return ERROR_STATUS[this.error.code];
  }
}

export function errorBody(error: ChatError): { error: ChatError } {
  return { error };
}

/** A non-member and a conversation that does not exist get the same answer, so ids reveal nothing. */
export const NOT_A_MEMBER: ChatError = { code: "forbidden", message: "not a member of this conversation" };
