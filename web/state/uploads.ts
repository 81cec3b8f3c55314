/**
 * Files attached in the composer, per conversation, until a message takes them. Each is checked first (a type the
 * edge takes, whose first bytes are that type's: refusing here saves uploading a file only to be told no), measured
 * and thumbnailed if it is a photo, then uploaded at once with its progress shown. A message carries the references
 * of the files uploaded; one refused or failed says why and is never sent. Files are not kept across a reload.
 */
import { allowedType, isImage, SNIFF_BYTES, sniffMatches } from "../../protocol/attachment-types.js";
import type { Attachment } from "../../protocol/attachments.js";
import { MAX_ATTACHMENTS } from "../../protocol/limits.js";
import { describeThrown } from "./errors.js";
import { imagePreview } from "./image-preview.js";
import { uploadRequest } from "./upload-request.js";

export interface Upload {
  key: number;
  conversationId: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  sent: number;
  state: "uploading" | "ready" | "failed";
  /** Why it failed, for the person (the file's name is shown beside it). */
  error?: string;
  /** Once uploaded: what the message will carry. */
  ref?: Attachment;
  abort?(): void;
}

interface UploadsHost {
  readonly url: string;
  readonly token: string;
  notice(text: string): void;
  changed(): void;
}

export class Uploads {
  private list: Upload[] = [];
  private keys = 0;

  constructor(private readonly host: UploadsHost) {}

  of(conversationId: string): Upload[] {
    return this.list.filter((u) => u.conversationId === conversationId);
  }

  /** Whether a file of the conversation is still on its way (a message waits for it). */
  busy(conversationId: string): boolean {
    return this.of(conversationId).some((u) => u.state === "uploading");
  }

  /** The references of the conversation's uploaded files. */
  ready(conversationId: string): Attachment[] {
    return this.of(conversationId).flatMap((u) => (u.ref ? [u.ref] : []));
  }

  /** Attaches files to the conversation's next message. */
  add(conversationId: string, files: Iterable<File>): void {
    for (const file of files) {
      if (this.of(conversationId).length >= MAX_ATTACHMENTS) {
        this.host.notice(`A message carries at most ${MAX_ATTACHMENTS} files.`);
        break;
      }
      const upload: Upload = {
        key: ++this.keys,
        conversationId,
        name: file.name,
        size: file.size,
        sent: 0,
        state: "uploading",
      };
      this.list = [...this.list, upload];
      // A removed file's upload is aborted: that failure is no news.
      this.start(upload, file).catch(
        (thrown: unknown) => this.list.includes(upload) && this.fail(upload, describeThrown(thrown)),
      );
    }
    this.host.changed();
  }

  /** Takes a file back out (stopping its upload); a message no longer carries it. */
  remove(key: number): void {
    this.list.find((u) => u.key === key)?.abort?.();
    this.list = this.list.filter((u) => u.key !== key);
    this.host.changed();
  }

  /** Empties the conversation's tray of uploaded files, for the message that carries them (failures stay shown). */
  take(conversationId: string): void {
    this.list = this.list.filter((u) => u.conversationId !== conversationId || u.state !== "ready");
    this.host.changed();
  }

  /** Signing out stops every upload. */
  stop(): void {
    for (const upload of this.list) upload.abort?.();
    this.list = [];
  }

  private async start(upload: Upload, file: File): Promise<void> {
    const problem = await fileProblem(file);
    if (problem) return this.fail(upload, problem);
    const measured = isImage(file.type) ? await imagePreview(file) : null;
    if (!this.list.includes(upload)) return;
    const request = uploadRequest(this.host.url, this.host.token, upload.conversationId, file, file.name, (sent) => {
      upload.sent = sent;
      this.host.changed();
    });
    upload.abort = request.abort;
    upload.ref = { ...(await request.done), ...measured };
    upload.state = "ready";
    this.host.changed();
  }

  private fail(upload: Upload, error: string): void {
    upload.state = "failed";
    upload.error = error;
    this.host.notice(`${upload.name}: ${error}`);
  }
}

/** Why the edge would refuse a file for what it is (null: it would not); its size the edge judges. */
async function fileProblem(file: File): Promise<string | null> {
  const type = allowedType(file.type);
  if (!type) return "Not sent: the chat takes photos (JPEG, PNG, GIF, WebP), PDF, MP4 video and plain text files only.";
  if (file.size === 0) return "Not sent: the file is empty.";
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  return sniffMatches(type, head) ? null : `Not sent: its content is not ${type}, as its name says.`;
}
