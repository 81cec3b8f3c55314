/**
 * Downloaded attachments as blob URLs. A download needs the Bearer token, so an <img> or <a> cannot point at the
 * edge; the page fetches the bytes and shows them through a URL of its own. Each attachment is fetched once while
 * anything shows it. URLs nothing shows any more are kept (scrolling back, reopening a chat) up to MAX_IDLE_BYTES,
 * then revoked, least recently used first, so their memory is freed; signing out revokes them all.
 */
import type { ChatApi } from "../../client/api.js";
import type { Attachment } from "../../protocol/attachments.js";

const MAX_IDLE_BYTES = 64 * 1024 * 1024;

interface Entry {
  url: Promise<string>;
  size: number;
  users: number;
}

export class AttachmentBlobs {
  /** In the order of last use: Map keeps insertion order, and each use inserts its entry again. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly api: ChatApi) {}

  /** A blob URL of the attachment, valid until as many `release` calls as `acquire` calls were made. */
  acquire(conversationId: string, attachment: Attachment): Promise<string> {
    const key = keyOf(conversationId, attachment.id);
    const entry = this.entries.get(key) ?? this.download(key, conversationId, attachment);
    entry.users++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.url;
  }

  release(conversationId: string, attachmentId: string): void {
    const entry = this.entries.get(keyOf(conversationId, attachmentId));
    if (!entry || --entry.users > 0) return;
    let idle = [...this.entries.values()].reduce((sum, e) => sum + (e.users === 0 ? e.size : 0), 0);
    for (const [key, old] of this.entries) {
      if (idle <= MAX_IDLE_BYTES) break;
      if (old.users > 0) continue;
      this.drop(key, old);
      idle -= old.size;
    }
  }

  clear(): void {
    for (const [key, entry] of this.entries) this.drop(key, entry);
  }

  private download(key: string, conversationId: string, attachment: Attachment): Entry {
    const url = this.api
      .downloadAttachment(conversationId, attachment.id)
      .then((res) => res.blob())
      .then((blob) => URL.createObjectURL(blob));
    const entry: Entry = { url, size: attachment.size, users: 0 };
    // A failed download is tried again the next time something shows the attachment.
    url.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    this.entries.set(key, entry);
    return entry;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    entry.url.then(
      (url) => URL.revokeObjectURL(url),
      () => undefined,
    );
  }
}

function keyOf(conversationId: string, attachmentId: string): string {
  return `${conversationId}/${attachmentId}`;
}
