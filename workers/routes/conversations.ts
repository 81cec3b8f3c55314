/** `/v1/conversations…`: create, list, inspect, change members, read and send messages. */
import { Hono } from "hono";
import {
  changeMembersBody, CONVERSATION_ID, createConversationBody, parseBody, parseHistoryQuery, sendMessageBody,
} from "../../protocol/index.js";
import type { AppEnv } from "../context.js";
import { jsonBody, raise, unwrap } from "../errors.js";
import { conversation, directConversationId, groupConversationId, userSession } from "../stubs.js";

export const conversations = new Hono<AppEnv>();

conversations.post("/", async (c) => {
  const body = unwrap(parseBody(createConversationBody, await jsonBody(c)));
  const me = c.get("userId");
  const { maxGroupMembers } = c.get("config");
  const request =
    body.kind === "direct"
      ? { id: await directConversationId(me, body.peer), kind: body.kind, title: "", creator: me, members: [...new Set([me, body.peer])] }
      : { id: groupConversationId(), kind: body.kind, title: body.title ?? "", creator: me, members: [...new Set([me, ...body.members])] };
  if (request.members.length > maxGroupMembers) raise("bad_request", `a group has at most ${maxGroupMembers} members`);
  const { created, conversation: info } = await conversation(c.env, request.id).create(request);
  return c.json(info, created ? 201 : 200);
});

conversations.get("/", async (c) => {
  const list = await userSession(c.env, c.get("userId")).conversations(c.get("userId"));
  return c.json({ conversations: list });
});

conversations.get("/:id", async (c) => {
  return c.json(unwrap(await conversation(c.env, idParam(c.req.param("id"))).detail(c.get("userId"))));
});

conversations.post("/:id/members", async (c) => {
  const id = idParam(c.req.param("id"));
  const change = unwrap(parseBody(changeMembersBody, await jsonBody(c)));
  return c.json(unwrap(await conversation(c.env, id).changeMembers(c.get("userId"), change)));
});

conversations.get("/:id/messages", async (c) => {
  const id = idParam(c.req.param("id"));
  const query = unwrap(parseHistoryQuery(c.req.query()));
  return c.json(unwrap(await conversation(c.env, id).history(c.get("userId"), query)));
});

conversations.post("/:id/messages", async (c) => {
  const id = idParam(c.req.param("id"));
  const message = unwrap(parseBody(sendMessageBody, await jsonBody(c)));
  const result = unwrap(await userSession(c.env, c.get("userId")).send(c.get("userId"), id, message));
  return c.json(result, result.duplicate ? 200 : 201);
});

function idParam(id: string): string {
  return CONVERSATION_ID.test(id) ? id : raise("bad_request", "conversation id must be 1-128 chars of [A-Za-z0-9:_-]");
}
