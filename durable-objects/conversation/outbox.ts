/**
 * The Conversation's outbox towards origin, read from its own log (no rows are written to queue an event): the members
 * snapshot when the membership changed since origin confirmed one, then the messages after `originSeq`. Committing a
 * batch moves those watermarks, saved lazily: after a crash origin is sent some events again, which its writes, keyed
 * by (conversation, seq) and by the snapshot's version, take as repeats.
 */
import type { MembersEvent } from "../../protocol/index.js";
import type { Outbox } from "../shared/forwarder.js";
import type { MemberStates } from "./member-state.js";
import type { ConversationStore } from "./store.js";

export function conversationOutbox(
  store: Pick<ConversationStore, "info" | "lastSeq" | "currentMembers" | "unforwarded">,
  states: Pick<MemberStates, "originSeq" | "originVersion" | "touch">,
): Outbox {
  return {
    behind: () => states.originSeq < store.lastSeq,
    next(limit) {
      const info = store.info;
      if (!info) return null;
      const members: MembersEvent[] =
        info.version > states.originVersion
          ? [
              {
                kind: "members",
                conversationId: info.id,
                version: info.version,
                members: store.currentMembers(),
                at: Date.now(),
              },
            ]
          : [];
      const messages = store.unforwarded(states.originSeq, limit - members.length);
      if (members.length + messages.length === 0) return null;
      const last = messages.at(-1)?.seq;
      return {
        events: [...members, ...messages.map((m) => ({ kind: "message" as const, ...m }))],
        commit: () => {
          if (members.length > 0) states.originVersion = info.version;
          if (last !== undefined) states.originSeq = last;
          states.touch();
        },
      };
    },
  };
}
