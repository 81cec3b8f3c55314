/** The left pane: start a chat, search all chats, and the conversation list with unread counts, last message and presence. */
import { handler } from "./handler.js";
import { useState } from "preact/hooks";
import { parseNames, peerOf, sortConversations, titleOf, type Conv } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import { presenceText } from "./format.js";
import { SearchAll } from "./search-all.js";
import type { Message } from "../../protocol/message.js";
import { isMuted, mutedText, systemText } from "../state/safety.js";
import { Invites } from "./invites.js";

export function Sidebar({ session }: { session: ChatSession }) {
  const list = sortConversations(Object.values(session.conversations));
  return (
    <nav class="sidebar" aria-label="Conversations">
      <NewChat session={session} />
      <SearchAll session={session} />
      <Invites session={session} />
      <h2 class="visually-hidden">Conversations</h2>
      {list.length === 0 && <p class="hint">No conversations yet.</p>}
      <ul class="conversations" data-testid="conversations">
        {list.map((conv) => (
          <ConversationItem key={conv.id} session={session} conv={conv} />
        ))}
      </ul>
    </nav>
  );
}

function ConversationItem({ session, conv }: { session: ChatSession; conv: Conv }) {
  const { me } = session;
  const count = session.unread(conv);
  const peer = peerOf(conv, me);
  const presence = peer ? session.presence[peer] : undefined;
  const last = conv.last;
  const muted = isMuted(conv);
  return (
    <li>
      <button
        type="button"
        class="conversation"
        aria-current={session.selected === conv.id ? "true" : undefined}
        data-conversation={conv.id}
        title={presenceText(presence)}
        onClick={() => session.select(conv.id)}
      >
        <span class="conv-title">
          {peer && <span class={`dot ${presence?.online ? "online" : ""}`} aria-hidden="true" />}
          <span>{titleOf(conv, me)}</span>
          {muted && (
            <span
              class="muted-icon"
              role="img"
              aria-label={mutedText(conv)}
              title={mutedText(conv)}
              data-testid="muted"
            >
              🔕
            </span>
          )}
        </span>
        {count > 0 && (
          // Keyed by the count, so each new message pulses the badge again; a muted conversation's stays quiet.
          <span
            key={count}
            class={`badge ${muted ? "quiet" : "pulse"}`}
            data-testid="unread"
            aria-label={`${count} unread`}
          >
            {count}
          </span>
        )}
        <span class="preview">{previewOf(last, me, last ? session.hidden.has(conv.id, last.seq) : false)}</span>
      </button>
    </li>
  );
}

/** The list's line under a conversation: its newest message, as the thread shows it. */
function previewOf(last: Message | undefined, me: string, hidden: boolean): string {
  if (!last) return "No messages yet";
  if (last.system) return systemText(last.senderId, last.system, me);
  const text = hidden ? "message hidden" : last.deleted ? "message deleted" : last.body || filesOf(last);
  return `${last.senderId === me ? "You" : last.senderId}: ${text}`;
}

/** One name and no title starts a direct chat; several names or a title start a group. */
function NewChat({ session }: { session: ChatSession }) {
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const names = parseNames(String(data.get("names") ?? "")).filter((n) => n !== session.me);
    const title = String(data.get("title") ?? "").trim();
    if (names.length === 0 && !title) return;
    setBusy(true);
    const info = await session.guard(
      names.length === 1 && !title ? session.api.createDirect(names[0]!) : session.api.createGroup(names, title),
    );
    setBusy(false);
    if (!info) return;
    form.reset();
    session.conversations[info.id] ??= { ...info, lastSeq: 0, readSeq: 0, active: true, receipts: {} };
    if (info.kind === "group" && info.invited.length > 0)
      session.notice(`Invited ${info.invited.join(", ")}: they join when they accept.`);
    session.select(info.id);
  };
  return (
    <form class="new-chat" onSubmit={handler(submit)} aria-label="New chat">
      <h2>New chat</h2>
      <label for="new-names">With (names, comma-separated)</label>
      <input id="new-names" name="names" placeholder="bob" autocomplete="off" />
      <label for="new-title">Group title (optional)</label>
      <input id="new-title" name="title" maxLength={200} autocomplete="off" />
      <button type="submit" disabled={busy}>
        Start chat
      </button>
    </form>
  );
}

/** A message of files only, in the list: their names. */
function filesOf(message: Message): string {
  return (message.attachments ?? []).map((a) => `📎 ${a.name}`).join(", ");
}
