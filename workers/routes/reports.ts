/**
 * `POST /v1/conversations/:id/reports`: a member reports a message. Validated here once; the reporter's session admits
 * it (membership, the daily allowance) and asks the conversation, which files it with the moderation queue
 * (durable-objects/conversation/report.ts). `201` filed, `200` when the reporter had filed this one already.
 */
import { Hono } from "hono";
import { fail, parseBody, reportBody, type Result } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { jsonBody, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";
import { idParam } from "./conversations.js";

export const reports = new Hono<AppEnv>();

reports.post("/:id/reports", async (c) => {
  const id = idParam(c.req.param("id"));
  const { block, ...request } = unwrap(parseBody(reportBody, await jsonBody(c)));
  if (block) unwrap(blockWithReport());
  const receipt = unwrap(await userSession(c.env, c.get("userId")).report(id, request));
  return c.json(receipt, receipt.duplicate ? 200 : 201);
});

/**
 * The reporter's `block: true`. The sessions offer no block yet, so such a report is refused before anything is
 * filed; once they do, this blocks the reported message's sender (the receipt's `reportedUserId`) for the reporter.
 */
function blockWithReport(): Result<null> {
  return fail("bad_request", "block not available");
}
