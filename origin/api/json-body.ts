/** A signed request's body as the route's schema: 400 `bad_request` for anything else, naming what is wrong. */
import type { z } from "zod";
import { fail, ok, type Result } from "../../protocol/errors.js";
import { describeIssues } from "../../protocol/schema.js";

export function parseJsonBody<T extends z.ZodType>(raw: string, schema: T): Result<z.infer<T>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail("bad_request", "body is not JSON");
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? ok(parsed.data) : fail("bad_request", describeIssues(parsed.error));
}
