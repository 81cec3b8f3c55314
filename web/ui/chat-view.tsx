/**
 * The open conversation: who is in it (and whether they are around), search, its messages, and the composer; files
 * dropped anywhere on it are attached.
 */
import { handler } from "./handler.js";
import { useState } from "preact/hooks";
import { parseNames, peerOf, titleOf, type Conv } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import { blockedReason, isAdmin } from "../state/safety.js";
import { Composer } from "./composer.js";
import { BlockButton, BlockedNotice, MuteControl } from "./conversation-controls.js";
import { DropHint, useFileDrop } from "./file-drop.js";
import { GroupPanel } from "./group-panel.js";
import { presenceText } from "./format.js";
import { MessageList } from "./message-list.js";
import { ReportDialog } from "./report-dialog.js";
import { SearchPanel } from "./search-panel.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function ChatView({ session, conv }: Props) {
  const [searching, setSearching] = useState(false);
  const [info, setInfo] = useState(false);
  const drop = useFileDrop((files) => session.uploads.add(conv.id, files));
  return (
    <main
      class={`chat ${drop.dragging ? "dragging" : ""}`}
      aria-label={`Conversation: ${titleOf(conv, session.me)}`}
      {...drop.handlers}
    >
      {drop.dragging && <DropHint />}
      <ChatHeader
        session={session}
        conv={conv}
        searching={searching}
        toggleSearch={() => setSearching(!searching)}
        info={info}
        toggleInfo={() => setInfo(!info)}
      />
      {searching && <SearchPanel session={session} conv={conv} />}
      {info && conv.kind === "group" && <GroupPanel session={session} conv={conv} />}
      <MessageList session={session} conv={conv} />
      <TypingLine session={session} conv={conv} />
      {blockedReason(conv, session.me, session.safety) ? (
        <BlockedNotice session={session} conv={conv} />
      ) : (
        <Composer session={session} conv={conv} />
      )}
      <ReportDialog session={session} />
    </main>
  );
}

interface HeaderProps extends Props {
  searching: boolean;
  toggleSearch(): void;
  info: boolean;
  toggleInfo(): void;
}

function ChatHeader({ session, conv, searching, toggleSearch, info, toggleInfo }: HeaderProps) {
  const [adding, setAdding] = useState(false);
  const peer = peerOf(conv, session.me);
  const invited = conv.invited.length > 0 ? ` · invited: ${conv.invited.join(", ")}` : "";
  const status = peer
    ? presenceText(session.presence[peer])
    : `${conv.members.length} ${conv.members.length === 1 ? "member" : "members"}: ${conv.members.join(", ")}${invited}`;
  return (
    <header class="chat-header">
      <button type="button" class="back" aria-label="Back to conversations" onClick={() => session.select(null)}>
        ‹
      </button>
      <div class="who">
        <h2>
          {peer && <span class={`dot ${session.presence[peer]?.online ? "online" : ""}`} aria-hidden="true" />}
          {titleOf(conv, session.me)}
        </h2>
        <p class="status" data-testid="presence">
          {status}
        </p>
      </div>
      <button type="button" class="secondary" aria-expanded={searching} onClick={toggleSearch}>
        Search
      </button>
      {isAdmin(conv, session.me) && (
        <button type="button" class="secondary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Add members
        </button>
      )}
      {conv.kind === "group" && (
        <button type="button" class="secondary" aria-expanded={info} onClick={toggleInfo}>
          Group info
        </button>
      )}
      <BlockButton session={session} conv={conv} />
      <MuteControl session={session} conv={conv} />
      {adding && <AddMembers session={session} conv={conv} done={() => setAdding(false)} />}
    </header>
  );
}

function AddMembers({ session, conv, done }: Props & { done(): void }) {
  const submit = async (event: Event) => {
    event.preventDefault();
    const names = parseNames(String(new FormData(event.target as HTMLFormElement).get("add") ?? ""));
    if (names.length === 0) return;
    if (await session.safety.changeMembers(conv, { add: names })) done();
  };
  return (
    <form class="add-members" onSubmit={handler(submit)}>
      <label for="add-names">Add (names, comma-separated)</label>
      <input id="add-names" name="add" autocomplete="off" autoFocus />
      <button type="submit">Add</button>
    </form>
  );
}

function TypingLine({ session, conv }: Props) {
  const now = Date.now();
  const who = Object.entries(session.typing[conv.id] ?? {})
    .filter(([, until]) => until > now)
    .map(([user]) => user);
  return (
    <p class="typing" aria-live="polite" data-testid="typing">
      {who.length === 0 ? "" : `${who.join(", ")} ${who.length === 1 ? "is" : "are"} typing…`}
    </p>
  );
}
