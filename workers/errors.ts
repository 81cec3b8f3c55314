/** HTTP errors: every failure answers `{"error":{"code","message"}}` with the code's status (protocol.md). */
import type { Context } from "hono";
import { errorResponse, INTERNAL_ERROR, type ChatError, type ErrorCode, type Result } from "../protocol/index.js";
import { log } from "../durable-objects/shared/log.js";

/** Thrown inside request handlers; `onError` answers it with the protocol's error body. */
export class ChatException extends Error {
  constructor(readonly error: ChatError) {
    super(error.message);
  }
}

export function raise(code: ErrorCode, message: string): never {
  throw new ChatException({ code, message });
}

/** Unwraps a Result from a Durable Object, throwing its error value as the HTTP answer. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new ChatException(result.error);
  return result.value;
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof ChatException) return errorResponse(err.error);
  log("error", "Worker", "request_failed", { path: c.req.path, error: err });
  return errorResponse(INTERNAL_ERROR);
}

export function notFound(c: Context): Response {
  return errorResponse({ code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` });
}

/** Reads a JSON body; anything that is not JSON is a bad request. */
export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return raise("bad_request", "body must be valid JSON");
  }
}
