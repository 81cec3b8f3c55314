/**
 * The composer's files: a button that picks them, and above the text the files attached so far, each with its
 * upload's progress, or why it failed, and a button that takes it back out.
 */
import { useRef } from "preact/hooks";
import { ATTACHMENT_TYPES } from "../../protocol/attachment-types.js";
import type { ChatSession } from "../state/session.js";
import type { Upload } from "../state/uploads.js";
import { fileSize } from "./format.js";

interface Props {
  session: ChatSession;
  conversationId: string;
}

export function AttachButton({ session, conversationId }: Props) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" class="attach" aria-label="Attach files" onClick={() => input.current?.click()}>
        <PaperClip />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={ATTACHMENT_TYPES.join(",")}
        onChange={(event) => {
          const files = event.currentTarget.files;
          if (files) session.uploads.add(conversationId, files);
          // The same file may be picked again after it was removed.
          event.currentTarget.value = "";
        }}
      />
    </>
  );
}

export function UploadTray({ session, conversationId }: Props) {
  const uploads = session.uploads.of(conversationId);
  if (uploads.length === 0) return null;
  return (
    <ul class="upload-tray" aria-label="Files to send">
      {uploads.map((u) => (
        <li key={u.key} class="upload" data-state={u.state}>
          <span class="file-name">{u.name}</span> <span class="file-size">{fileSize(u.size)}</span>
          <UploadState upload={u} />
          <button
            type="button"
            class="link"
            aria-label={`Remove ${u.name}`}
            onClick={() => session.uploads.remove(u.key)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

function UploadState({ upload }: { upload: Upload }) {
  switch (upload.state) {
    case "uploading":
      return <progress max={upload.size} value={upload.sent} aria-label={`Uploading ${upload.name}`} />;
    case "ready":
      return <span class="upload-ready">ready</span>;
    case "failed":
      return (
        <span class="why" role="alert">
          {upload.error}
        </span>
      );
  }
}

/** Drawn rather than an emoji: not every system has an emoji font. */
function PaperClip() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
      />
    </svg>
  );
}
