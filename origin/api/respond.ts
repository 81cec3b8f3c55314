import type { Context } from "hono";
import { ERROR_STATUS, errorBody, type ChatError } from "../../protocol/errors.js";

/** The protocol's error body with the status of its code, and `Retry-After` (seconds) when the error says when. */
export function errorResponse(c: Context, error: ChatError): Response {
  const headers: Record<string, string> = error.retryAfterMs === undefined ? {} : { "Retry-After": String(Math.ceil(error.retryAfterMs / 1000)) };
  return c.json(errorBody(error), ERROR_STATUS[error.code], headers);
}
