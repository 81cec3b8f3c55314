/** Turns what the server refused (an `error` frame or an HTTP error body) into a sentence for the person. */
import { ApiError } from "../../client/api.js";
import type { ChatError } from "../../protocol/errors.js";

const LEAD: Record<string, string> = {
  bad_request: "That was not accepted",
  unauthorized: "Your sign-in has expired",
  forbidden: "You are not allowed to do that",
  not_found: "Not found",
  too_large: "Too large",
  rate_limited: "You are sending too fast",
  unavailable: "The server is busy",
  internal: "Something went wrong on the server",
};

export function describe(error: ChatError): string {
  const lead = LEAD[error.code] ?? "Error";
  const wait = error.retryAfterMs ? ` Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.` : "";
  return `${lead}: ${error.message}.${wait}`.replace(/\.\./g, ".");
}

/** Any thrown value: the server's error when there is one, else a network failure. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof ApiError) return describe(thrown.error);
  return "Could not reach the chat server. Check your connection and try again.";
}

export function isUnauthorized(thrown: unknown): boolean {
  return thrown instanceof ApiError && thrown.status === 401;
}
