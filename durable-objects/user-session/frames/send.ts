/**
 * `send` and the actions (`edit`, `delete`, `react`), and `POST /v1/conversations/:id/messages` and `…/actions`, which
 * take the same path: checked against the session's conversation list (an id it does not list reaches no object),
 * charged to the user's budgets, then queued behind the conversation's call in flight (send-queue.ts), so a device's
 * messages and actions keep the order it sent them in. The sending device gets the ack; the user's other devices get
 * the entry, and the receipt its answer carries.
 */
import {
  fail,
  failWith,
  NOT_A_MEMBER,
  ok,
  type AckFrame,
  type LogFrame,
  type Message,
  type ReceiptFrame,
  type Result,
  type SendResult,
} from "../../../protocol/index.js";
import type { Outgoing } from "../../rpc.js";
import type { SessionHost } from "../host.js";
import { heldBack, holdBack } from "../send-order.js";
import { errorFrame, messageFrame } from "../server-frames.js";
import { broadcast, sendTo } from "../sockets.js";

type Host = Pick<SessionHost, "userId" | "conversations" | "limits" | "queue" | "sockets" | "uploads">;
type Sent = Outgoing & { conversationId: string };

export function onSend(host: Host, ws: WebSocket, frame: LogFrame): void {
  const held = heldBack(ws, frame.clientMsgId);
  if (held) return sendTo(ws, errorFrame(held, frame.clientMsgId));
  const sent = { conversationId: frame.conversationId, ...outgoingOf(frame) };
  submit(host, sent, (result) => acked(host, ws, sent, result));
}

function outgoingOf(frame: LogFrame): Outgoing {
  const { clientMsgId } = frame;
  switch (frame.type) {
    case "send":
      return {
        clientMsgId,
        body: frame.body,
        ...(frame.replyTo !== undefined ? { replyTo: frame.replyTo } : {}),
        ...(frame.attachments ? { attachments: frame.attachments } : {}),
      };
    case "edit":
      return { clientMsgId, action: { kind: "edit", seq: frame.seq, body: frame.body } };
    case "delete":
      return { clientMsgId, action: { kind: "delete", seq: frame.seq } };
    case "react":
      return { clientMsgId, action: { kind: "react", seq: frame.seq, emoji: frame.emoji, on: frame.on } };
  }
}

export function sendOverHttp(host: Host, conversationId: string, item: Outgoing): Promise<Result<SendResult>> {
  const sent = { ...item, conversationId };
  return new Promise((resolve) =>
    submit(host, sent, (result) => {
      acked(host, null, sent, result);
      resolve(result);
    }),
  );
}

/** The queue's call: one batch to the Conversation; the receipt its answer carries goes to every device. */
export async function sendBatch(
  host: Pick<SessionHost, "userId" | "conversation" | "sockets">,
  conversationId: string,
  items: Outgoing[],
): Promise<Result<Result<SendResult>[]>> {
  const outcome = await host.conversation(conversationId).send(host.userId, items);
  if (!outcome.ok) return outcome;
  const { results, deliveredSeq, readSeq, receipt } = outcome.value;
  if (receipt)
    broadcast(host.sockets(), JSON.stringify({ type: "receipt", conversationId, ...receipt } satisfies ReceiptFrame));
  if (deliveredSeq === undefined) return ok(results);
  return ok(results.map((r) => (r.ok ? ok({ ...r.value, deliveredSeq, readSeq }) : r)));
}

/** Membership first, then the message and its recipients are charged, then it waits its turn. */
function submit(host: Host, sent: Sent, reply: (result: Result<SendResult>) => void): void {
  const members = host.conversations.membersOf(sent.conversationId);
  if (!members) return reply(failWith(NOT_A_MEMBER));
  const wait = host.limits.send(Math.max(1, members.length - 1));
  if (wait > 0) return reply(fail("rate_limited", `sending too fast; retry in ${wait} ms`, wait));
  const { conversationId, ...outgoing } = sent;
  const item = withUploads(host, conversationId, outgoing);
  if (!item.ok) return reply(item);
  const attachments = attachmentIds(item.value);
  host.uploads.sending(attachments);
  host.queue.enqueue(conversationId, item.value, (result) => {
    if (result.ok) host.uploads.referenced(attachments);
    else host.uploads.refused(attachments);
    reply(result);
  });
}

function attachmentIds(item: Outgoing): string[] {
  return "action" in item || !item.attachments ? [] : item.attachments.map((a) => a.id);
}

/**
 * A message's attachments must be this user's uploads to this conversation: each reference gets the hash recorded
 * when its bytes were stored (R2 cannot keep it in the object's metadata, see uploads.ts), whatever the client said.
 */
function withUploads(host: Pick<Host, "uploads">, conversationId: string, item: Outgoing): Result<Outgoing> {
  if ("action" in item || !item.attachments) return ok(item);
  const attachments = [];
  for (const attachment of item.attachments) {
    const upload = host.uploads.find(conversationId, attachment.id);
    if (!upload) return fail("not_found", `no upload ${attachment.id} of yours in this conversation`);
    attachments.push({ ...attachment, sha256: upload.sha256 });
  }
  return ok({ ...item, attachments });
}

/** The sending device (none over HTTP) gets the ack or the refusal; the user's other devices get the message. */
function acked(host: Host, ws: WebSocket | null, sent: Sent, result: Result<SendResult>): void {
  if (!result.ok) {
    if (ws) holdBack(ws, sent.clientMsgId, result.error);
    if (ws) sendTo(ws, errorFrame(result.error, sent.clientMsgId));
    return;
  }
  const { conversationId, clientMsgId } = sent;
  const value = result.value;
  if (ws) sendTo(ws, JSON.stringify({ type: "ack", clientMsgId, conversationId, ...value } satisfies AckFrame));
  if (value.duplicate) return;
  host.conversations.advance(conversationId, value.seq, value.seq);
  const others = host.sockets(ws);
  if (others.length === 0) return;
  const message: Message = {
    conversationId,
    seq: value.seq,
    senderId: host.userId,
    clientMsgId,
    body: "body" in sent ? sent.body : "",
    sentAt: value.sentAt,
  };
  if (value.replyTo) message.replyTo = value.replyTo;
  if (value.attachments) message.attachments = value.attachments;
  if (value.action) message.action = value.action;
  broadcast(others, messageFrame(JSON.stringify(message)));
  if (value.deliveredSeq !== undefined || value.readSeq !== undefined) {
    const peer = host.conversations.membersOf(conversationId)?.find((u) => u !== host.userId);
    const receipt: ReceiptFrame = {
      type: "receipt",
      conversationId,
      ...(peer ? { userId: peer } : {}),
      deliveredSeq: value.deliveredSeq,
      readSeq: value.readSeq,
    };
    broadcast(others, JSON.stringify(receipt));
  }
}
