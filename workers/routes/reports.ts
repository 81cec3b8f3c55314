/**
 * `POST /v1/conversations/:id/reports`: a member reports a message. Validated here once; the reporter's session admits
 * it (membership, the daily allowance) and asks the conversation, which files it with the moderation queue
 * (durable-objects/conversation/report.ts). `201` filed, `200` when the reporter had filed this one already.
 * With `block: true` the reporter then also blocks the message's sender, as `PUT /v1/blocks/:userId` does.
 */
import { Hono } from "hono";
import { parseBody, reportBody } from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { jsonBody, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";
import { idParam } from "./conversations.js";

export const reports = new Hono<AppEnv>();

reports.post("/:id/reports", async (c) => {
  const id = idParam(c.req.param("id"));
  const { block, ...request } = unwrap(parseBody(reportBody, await jsonBody(c)));
  const session = userSession(c.env, c.get("userId"));
  const receipt = unwrap(await session.report(id, request));
  // After filing: whom to block is the reported message's sender, which only the conversation knows. A refused block
  // (its own limits) answers its refusal; the report stays filed, and a retry finds it and blocks again.
  if (block) unwrap(await session.block(receipt.reportedUserId, true));
  return c.json(receipt, receipt.duplicate ? 200 : 201);
});
