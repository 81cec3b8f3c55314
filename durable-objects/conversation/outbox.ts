/**
 * The Conversation's outbox towards origin, read from its own log (no rows are written to queue an event): the members
 * snapshot when the membership changed since origin confirmed one, then the messages after `originSeq`. Committing a
 * batch moves those watermarks, saved lazily: after a crash origin is sent some events again, which its writes, keyed
 * by (conversation, seq) and by the snapshot's version, take as repeats.
 */
import type { ActionEvent, MembersEvent, Message, MessageEvent } from "../../protocol/index.js";
import type { Outbox } from "../shared/forwarder.js";
import type { MemberStates } from "./member-state.js";
import type { ConversationStore } from "./store.js";

export function conversationOutbox(
  store: Pick<ConversationStore, "info" | "lastSeq" | "currentMembers" | "unforwarded" | "mutedNow">,
  states: Pick<MemberStates, "originSeq" | "originVersion" | "touch">,
): Outbox {
  return {
    behind: () =>
      states.originSeq < store.lastSeq ||
      (store.info !== null && store.info.version + store.info.mutes > states.originVersion),
    next(limit) {
      const info = store.info;
      if (!info) return null;
      // Mutes raise the snapshot's version too: both only grow, so their sum does.
      const version = info.version + info.mutes;
      const members: MembersEvent[] = version > states.originVersion ? [snapshot(store, version)] : [];
      const messages = store.unforwarded(states.originSeq, limit - members.length);
      if (members.length + messages.length === 0) return null;
      const last = messages.at(-1)?.seq;
      return {
        events: [...members, ...messages.map(eventOf)],
        commit: () => {
          if (members.length > 0) states.originVersion = version;
          if (last !== undefined) states.originSeq = last;
          states.touch();
        },
      };
    },
  };
}

function snapshot(
  store: Pick<ConversationStore, "info" | "currentMembers" | "mutedNow">,
  version: number,
): MembersEvent {
  const now = Date.now();
  const event: MembersEvent = {
    kind: "members",
    conversationId: store.info!.id,
    version,
    members: store.currentMembers(),
    at: now,
  };
  const muted = store.mutedNow(now);
  if (Object.keys(muted).length > 0) event.muted = muted;
  return event;
}

/** A log entry as origin takes it: a message in its current state (no reactions: their actions follow), or an action. */
function eventOf(m: Message): MessageEvent | ActionEvent {
  const { conversationId, seq, senderId, clientMsgId, sentAt } = m;
  if (m.action) return { kind: "action", conversationId, seq, senderId, clientMsgId, sentAt, action: m.action };
  const event: MessageEvent = { kind: "message", conversationId, seq, senderId, clientMsgId, body: m.body, sentAt };
  if (m.replyTo) event.replyTo = m.replyTo.seq;
  if (m.editedAt !== undefined) event.editedAt = m.editedAt;
  if (m.deleted) event.deleted = true;
  if (m.system) event.system = m.system;
  // Without them an attachment-only message (an empty body) would not be a valid event at origin.
  if (m.attachments) event.attachments = m.attachments;
  return event;
}
