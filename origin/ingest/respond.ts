import type { Context } from "hono";
import { ERROR_STATUS, errorBody, type ChatError } from "../../protocol/errors.js";

/** The protocol's error body with the status of its code. */
export function errorResponse(c: Context, error: ChatError): Response {
  return c.json(errorBody(error), ERROR_STATUS[error.code]);
}
