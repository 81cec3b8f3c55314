/**
 * `/v1/conversations…`: create, list, inspect; change members, roles and settings, answer invites, mute; read, send
 * and search messages, act on them.
 */
import { Hono, type Context } from "hono";
import {
  actionBody,
  changeMembersBody,
  createConversationBody,
  groupSettingsBody,
  ID_RULES,
  inviteAnswerBody,
  muteBody,
  MUTED_FOREVER,
  parseBody,
  parseHistoryQuery,
  parseSearchQuery,
  sendMessageBody,
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
      ? {
          id: await directConversationId(me, body.peer),
          kind: body.kind,
          title: "",
          creator: me,
          members: [...new Set([me, body.peer])],
        }
      : {
          id: groupConversationId(),
          kind: body.kind,
          title: body.title ?? "",
          creator: me,
          members: [...new Set([me, ...body.members])],
          ...(body.history ? { history: body.history } : {}),
        };
  if (request.members.length > maxGroupMembers) raise("bad_request", `a group has at most ${maxGroupMembers} members`);
  const peer = body.kind === "direct" ? body.peer : undefined;
  unwrap(await userSession(c.env, me).admitCreate(body.kind, request.members.length, peer));
  const { created, conversation: info } = unwrap(await conversation(c.env, request.id).create(request));
  return c.json(info, created ? 201 : 200);
});

conversations.get("/", async (c) => {
  return c.json({ conversations: unwrap(await userSession(c.env, c.get("userId")).list()) });
});

conversations.get("/:id", async (c) => {
  const id = await memberOf(c, c.req.param("id"));
  return c.json(unwrap(await conversation(c.env, id).detail(c.get("userId"))));
});

conversations.post("/:id/members", async (c) => {
  const change = unwrap(parseBody(changeMembersBody, await jsonBody(c)));
  const id = await memberOf(c, c.req.param("id"), change.add?.length ?? 0);
  return c.json(unwrap(await conversation(c.env, id).changeMembers(c.get("userId"), change)));
});

/** Rename a group or set what new members see of its history (admins). */
conversations.patch("/:id", async (c) => {
  const settings = unwrap(parseBody(groupSettingsBody, await jsonBody(c)));
  const id = await memberOf(c, c.req.param("id"), 0);
  return c.json(unwrap(await conversation(c.env, id).changeSettings(c.get("userId"), settings)));
});

/** The invitee's answer: it joins, or the invite is gone (and may not come again). */
conversations.post("/:id/invite", async (c) => {
  const { accept } = unwrap(parseBody(inviteAnswerBody, await jsonBody(c)));
  const id = idParam(c.req.param("id"));
  unwrap(await userSession(c.env, c.get("userId")).authorizeInvite(id));
  return c.json(unwrap(await conversation(c.env, id).answerInvite(c.get("userId"), accept)));
});

/** Muted for a time, until turned off, or not: answered with the conversation as the user sees it. */
conversations.post("/:id/mute", async (c) => {
  const { muted, until } = unwrap(parseBody(muteBody, await jsonBody(c)));
  // Charged like a change of members: origin is sent the member list again.
  const id = await memberOf(c, c.req.param("id"), 0);
  const mutedUntil = muted ? (until ?? MUTED_FOREVER) : null;
  return c.json(unwrap(await conversation(c.env, id).mute(c.get("userId"), mutedUntil)));
});

conversations.get("/:id/messages", async (c) => {
  const query = unwrap(parseHistoryQuery(c.req.query()));
  const id = await memberOf(c, c.req.param("id"));
  return c.json(unwrap(await conversation(c.env, id).history(c.get("userId"), query)));
});

conversations.post("/:id/messages", async (c) => {
  const id = idParam(c.req.param("id"));
  const message = unwrap(parseBody(sendMessageBody, await jsonBody(c)));
  const result = unwrap(await userSession(c.env, c.get("userId")).send(id, message));
  return c.json(result, result.duplicate ? 200 : 201);
});

/** Edit, delete or react: the same path as a send (order, idempotency, limits), answered with the action's ack. */
conversations.post("/:id/actions", async (c) => {
  const id = idParam(c.req.param("id"));
  const { clientMsgId, ...action } = unwrap(parseBody(actionBody, await jsonBody(c)));
  const result = unwrap(await userSession(c.env, c.get("userId")).send(id, { clientMsgId, action }));
  return c.json(result, result.duplicate ? 200 : 201);
});

conversations.get("/:id/search", async (c) => {
  const query = unwrap(parseSearchQuery(c.req.query()));
  const id = idParam(c.req.param("id"));
  unwrap(await userSession(c.env, c.get("userId")).admitSearch(id));
  return c.json(unwrap(await conversation(c.env, id).search(c.get("userId"), query)));
});

export function idParam(id: string): string {
  return ID_RULES.conversationId.pattern.test(id)
    ? id
    : raise("bad_request", `conversation id ${ID_RULES.conversationId.text}`);
}

/**
 * The conversation id, once the caller's session says the caller is in it: the Conversation object is never
 * addressed for an id its caller is not in, so made-up ids create nothing. A membership change (`added` given)
 * is charged to the caller's fan-out budget.
 */
export async function memberOf(c: Context<AppEnv>, raw: string, added?: number): Promise<string> {
  const id = idParam(raw);
  unwrap(await userSession(c.env, c.get("userId")).authorize(id, added));
  return id;
}
