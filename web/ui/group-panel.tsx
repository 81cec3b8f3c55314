/**
 * A group's info: its members with admin badges and who is invited; admins invite, remove, promote and demote, rename
 * the group and set whether new members see earlier messages; anyone leaves. Each change becomes a line in the log.
 */
import { useState } from "preact/hooks";
import { parseNames, type Conv } from "../state/model.js";
import { isAdmin } from "../state/safety.js";
import type { ChatSession } from "../state/session.js";
import { handler } from "./handler.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function GroupPanel({ session, conv }: Props) {
  const admin = isAdmin(conv, session.me);
  const leave = () => {
    if (confirm(`Leave “${conv.title || "this group"}”?`)) session.spawn(session.safety.leave(conv));
  };
  return (
    <section class="group-panel" aria-label="Group info">
      {admin && <GroupSettingsForm session={session} conv={conv} />}
      <h3>Members</h3>
      <ul class="members" data-testid="members">
        {conv.members.map((user) => (
          <MemberRow key={user} session={session} conv={conv} user={user} />
        ))}
        {conv.invited.map((user) => (
          <li key={user} class="member invited" data-user={user}>
            <span>{user}</span>
            <span class="role-badge">invited</span>
          </li>
        ))}
      </ul>
      {admin && <InviteForm session={session} conv={conv} />}
      <button type="button" class="danger" onClick={leave}>
        Leave group
      </button>
    </section>
  );
}

function MemberRow({ session, conv, user }: Props & { user: string }) {
  const admin = conv.admins.includes(user);
  const change = (body: { remove?: string[]; promote?: string[]; demote?: string[] }) =>
    session.spawn(session.safety.changeMembers(conv, body));
  return (
    <li class="member" data-user={user}>
      <span>{user === session.me ? `${user} (you)` : user}</span>
      {admin && <span class="role-badge admin">admin</span>}
      {isAdmin(conv, session.me) && user !== session.me && (
        <span class="member-actions">
          {admin ? (
            <button type="button" class="link" onClick={() => change({ demote: [user] })}>
              Dismiss as admin
            </button>
          ) : (
            <button type="button" class="link" onClick={() => change({ promote: [user] })}>
              Make admin
            </button>
          )}
          <button type="button" class="link" onClick={() => change({ remove: [user] })}>
            Remove
          </button>
        </span>
      )}
    </li>
  );
}

function InviteForm({ session, conv }: Props) {
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const names = parseNames(String(new FormData(form).get("invite") ?? ""));
    if (names.length > 0 && (await session.safety.changeMembers(conv, { add: names }))) form.reset();
  };
  return (
    <form class="invite-form" onSubmit={handler(submit)}>
      <label for="invite-names">Invite (names, comma-separated)</label>
      <input id="invite-names" name="invite" autocomplete="off" />
      <button type="submit">Invite</button>
    </form>
  );
}

function GroupSettingsForm({ session, conv }: Props) {
  const [title, setTitle] = useState(conv.title);
  // The box shows the person's choice while the edge takes it (the group's setting changes only with the answer).
  const [showing, setShowing] = useState<boolean | null>(null);
  const setHistory = (all: boolean) => {
    setShowing(all);
    session.spawn(
      session.safety.changeGroup(conv, { history: all ? "all" : "joined" }).finally(() => setShowing(null)),
    );
  };
  const rename = async (event: Event) => {
    event.preventDefault();
    const next = title.trim();
    if (next !== conv.title) await session.safety.changeGroup(conv, { title: next });
  };
  return (
    <div class="group-settings">
      <form class="rename" onSubmit={handler(rename)}>
        <label for="group-title">Group name</label>
        <input
          id="group-title"
          maxLength={200}
          value={title}
          onInput={(e) => setTitle(e.currentTarget.value)}
          autocomplete="off"
        />
        <button type="submit">Rename</button>
      </form>
      <label class="check">
        <input
          type="checkbox"
          checked={showing ?? conv.history === "all"}
          onChange={(e) => setHistory(e.currentTarget.checked)}
        />
        New members see earlier messages
      </label>
    </div>
  );
}
