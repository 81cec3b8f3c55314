/**
 * A message's attachments: photos inline (a click opens the full photo over the page), other files as their name and
 * size, downloaded under their name. The bytes come through the session's blob URLs (downloads need the token).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { isImage } from "../../protocol/attachment-types.js";
import type { Attachment } from "../../protocol/attachments.js";
import type { ChatSession } from "../state/session.js";
import { fileSize } from "./format.js";
import { Lightbox } from "./lightbox.js";

interface Props {
  session: ChatSession;
  conversationId: string;
  attachments: Attachment[];
}

export function Attachments({ session, conversationId, attachments }: Props) {
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          {isImage(a.type) ? (
            <Photo session={session} conversationId={conversationId} attachment={a} />
          ) : (
            <FileLink session={session} conversationId={conversationId} attachment={a} />
          )}
        </li>
      ))}
    </ul>
  );
}

/** What a sent message shows of its files before the edge has it: the thumbnail made for a photo, else the name. */
export function PendingAttachments({ attachments }: { attachments: Attachment[] }) {
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          {a.preview ? (
            <span class="photo" style={ratioOf(a)}>
              <img class="placeholder" src={a.preview} alt={a.name} />
            </span>
          ) : (
            <FileLabel attachment={a} />
          )}
        </li>
      ))}
    </ul>
  );
}

interface One {
  session: ChatSession;
  conversationId: string;
  attachment: Attachment;
}

function Photo({ session, conversationId, attachment }: One) {
  const [open, setOpen] = useState(false);
  const [attempt, setAttempt] = useState(1);
  const blob = useBlob(session, conversationId, attachment, attempt);
  return (
    <>
      <button
        type="button"
        class="photo"
        style={ratioOf(attachment)}
        aria-label={blob.failed ? `Load photo ${attachment.name} again` : `Open photo ${attachment.name}`}
        disabled={!blob.url && !blob.failed}
        onClick={() => (blob.url ? setOpen(true) : setAttempt(attempt + 1))}
      >
        {blob.url ? (
          <img src={blob.url} alt={attachment.name} />
        ) : (
          attachment.preview && <img class="placeholder" src={attachment.preview} alt="" />
        )}
        {blob.failed && <span class="photo-missing">Photo not loaded: try again</span>}
      </button>
      {open && blob.url && <Lightbox url={blob.url} name={attachment.name} onClose={() => setOpen(false)} />}
    </>
  );
}

/**
 * A file is fetched only when asked for (it may be large): the button fetches it, then a link with the blob URL and
 * the file's name takes its place and is followed once, which saves the file; later clicks save it again at once.
 */
function FileLink({ session, conversationId, attachment }: One) {
  const [asked, setAsked] = useState(0);
  const blob = useBlob(session, conversationId, attachment, asked);
  const link = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (!blob.url) return;
    link.current?.focus();
    link.current?.click();
  }, [blob.url]);
  if (blob.url) {
    return (
      <a ref={link} class="file" href={blob.url} download={attachment.name}>
        <FileLabel attachment={attachment} />
      </a>
    );
  }
  return (
    <button type="button" class="file" disabled={asked > 0 && !blob.failed} onClick={() => setAsked(asked + 1)}>
      <FileLabel attachment={attachment} />
      {asked > 0 && <span class="file-state">{blob.failed ? "Could not download: try again" : "Downloading…"}</span>}
    </button>
  );
}

function FileLabel({ attachment }: { attachment: Attachment }) {
  return (
    <>
      <span class="file-name">{attachment.name}</span> <span class="file-size">{fileSize(attachment.size)}</span>
    </>
  );
}

/** Holds the attachment's blob URL while the component is shown, once asked for (each new `attempt` tries again). */
function useBlob(session: ChatSession, conversationId: string, attachment: Attachment, attempt: number) {
  const [blob, setBlob] = useState<{ url?: string; failed?: boolean }>({});
  useEffect(() => {
    if (attempt === 0) return;
    let shown = true;
    setBlob({});
    session.blobs.acquire(conversationId, attachment).then(
      (url) => shown && setBlob({ url }),
      () => shown && setBlob({ failed: true }),
    );
    return () => {
      shown = false;
      session.blobs.release(conversationId, attachment.id);
    };
  }, [conversationId, attachment.id, attempt]);
  return blob;
}

/** The photo's shape is known before its bytes arrive, so the list does not jump when they do. */
function ratioOf(attachment: Attachment): Record<string, string> | undefined {
  const { width, height } = attachment;
  return width && height ? { aspectRatio: `${width} / ${height}` } : undefined;
}
