/**
 * The composer: Enter sends, Shift+Enter starts a new line; files attached with its button (or dropped on the chat)
 * go with the next message once uploaded. Above it, the files, what a reply quotes or that a message is being
 * edited (the composer then holds its text, Enter saves), each with a cancel; Escape cancels too.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { quoteOf } from "../state/entries.js";
import type { Conv, Draft } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import { QuoteText } from "./quote.js";
import { AttachButton, UploadTray } from "./upload-tray.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function Composer({ session, conv }: Props) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const draft = session.actions.draft?.message.conversationId === conv.id ? session.actions.draft : null;
  const editing = draft?.kind === "edit";
  const uploading = session.uploads.busy(conv.id);
  useEffect(() => input.current?.focus(), []);
  useDraftText(draft, setText, input);
  const submit = () => {
    const done = editing ? session.actions.saveEdit(text) : session.send(conv.id, text);
    if (done) setText("");
  };
  return (
    <div class="compose">
      {!editing && <UploadTray session={session} conversationId={conv.id} />}
      {draft && <DraftBar draft={draft} cancel={() => session.actions.cancel()} />}
      <form
        class="composer"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        {!editing && <AttachButton session={session} conversationId={conv.id} />}
        <label for="composer-text" class="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-text"
          ref={input}
          rows={1}
          placeholder="Message"
          value={text}
          onInput={(event) => {
            setText(event.currentTarget.value);
            if (!editing) session.typed(conv.id);
          }}
          onKeyDown={(event) => {
            if (event.key === "Escape" && draft) {
              event.preventDefault();
              session.actions.cancel();
            }
            if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
            event.preventDefault();
            submit();
          }}
        />
        <button type="submit" disabled={uploading && !editing}>
          {editing ? "Save" : uploading ? "Uploading…" : "Send"}
        </button>
      </form>
    </div>
  );
}

function DraftBar({ draft, cancel }: { draft: Draft; cancel(): void }) {
  const editing = draft.kind === "edit";
  return (
    <div class="draft-bar" data-testid="draft">
      <span class="draft-label">{editing ? "Editing message" : "Replying to"}</span>
      {!editing && (
        <span class="quote">
          <QuoteText quote={quoteOf(draft.message)} />
        </span>
      )}
      <button type="button" class="link" onClick={cancel}>
        {editing ? "Cancel editing" : "Cancel reply"}
      </button>
    </div>
  );
}

/** A new draft takes the focus; an edit brings its text into the composer and takes it away when it ends. */
function useDraftText(
  draft: Draft | null,
  setText: (text: string) => void,
  input: { current: HTMLTextAreaElement | null },
): void {
  const shown = useRef<Draft | null>(null);
  useEffect(() => {
    const before = shown.current;
    shown.current = draft;
    if (draft === before) return;
    if (draft?.kind === "edit") setText(draft.message.body);
    else if (before?.kind === "edit") setText("");
    if (draft) input.current?.focus();
  }, [draft]);
}
