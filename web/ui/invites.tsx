/**
 * Invites to groups, above the conversations: who invited this user to which group, to accept (the group opens) or
 * decline. Nothing of the group's messages shows before accepting: the edge sends an invitee none.
 */
import { useState } from "preact/hooks";
import type { ConversationState } from "../../protocol/message.js";
import { titleOf } from "../state/model.js";
import type { ChatSession } from "../state/session.js";

export function Invites({ session }: { session: ChatSession }) {
  const invites = Object.values(session.safety.invites);
  if (invites.length === 0) return null;
  return (
    <section class="invites" aria-label="Invitations">
      <h2>Invitations</h2>
      <ul data-testid="invites">
        {invites.map((invite) => (
          <Invite key={invite.id} session={session} invite={invite} />
        ))}
      </ul>
    </section>
  );
}

function Invite({ session, invite }: { session: ChatSession; invite: ConversationState }) {
  const [busy, setBusy] = useState(false);
  const title = titleOf({ ...invite, receipts: {} }, session.me);
  const answer = (accept: boolean) => {
    setBusy(true);
    session.spawn(session.safety.answer(invite.id, accept).finally(() => setBusy(false)));
  };
  return (
    <li class="invite" data-conversation={invite.id} aria-label={`Invitation: ${title}`}>
      <span class="conv-title">{title}</span>
      <span class="preview">
        {invite.invitedBy ?? "Someone"} invited you · {invite.members.length}{" "}
        {invite.members.length === 1 ? "member" : "members"}
      </span>
      <span class="invite-actions">
        <button type="button" disabled={busy} onClick={() => answer(true)}>
          Accept
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => answer(false)}>
          Decline
        </button>
      </span>
    </li>
  );
}
