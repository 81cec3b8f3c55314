/**
 * Attachments in the chaos traffic: a small PNG or PDF (valid first bytes, so the edge's type check passes) uploaded
 * over HTTP as the app does before sending the message that references it. An upload that fails for the edge's sake
 * (down, restarting, `unavailable`) is tried again, as a person would, until it is stored or `giveUpMs` passed; one
 * refused for anything else is a failure the run reports.
 */
import { ApiError, ChatApi } from "../../client/api.js";
import type { Attachment } from "../../protocol/attachments.js";
import { RETRYABLE_CODES } from "../../protocol/errors.js";
import type { Random } from "./random.js";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RETRY_MS = 250;

export interface FileCounts {
  /** Uploads stored, and the tries that failed before one was. */
  uploaded: number;
  retried: number;
  /** Uploads refused for good or given up on: their message was never sent. */
  failed: number;
  /** Why the first few failed. */
  failures: string[];
}

export class Files {
  readonly counts: FileCounts = { uploaded: 0, retried: 0, failed: 0, failures: [] };

  constructor(
    private readonly url: string,
    private readonly random: Random,
    private readonly giveUpMs: number,
  ) {}

  /** Uploads one file as `token`'s user into `conversationId`: its reference, or null when it could not be stored. */
  async upload(token: string, conversationId: string, name: string): Promise<Attachment | null> {
    const photo = this.random.chance(0.6);
    const bytes = photo ? png(64 + this.random.int(2000)) : pdf(32 + this.random.int(2000));
    const file = new Blob([bytes], { type: photo ? "image/png" : "application/pdf" });
    const api = new ChatApi(this.url, token);
    const deadline = Date.now() + this.giveUpMs;
    for (;;) {
      try {
        const stored = await api.uploadAttachment(conversationId, file, `${name}.${photo ? "png" : "pdf"}`);
        this.counts.uploaded++;
        // The client measures a photo before sending it: the reference carries its shape.
        return photo ? { ...stored, width: 1 + this.random.int(4000), height: 1 + this.random.int(4000) } : stored;
      } catch (error) {
        const retryable = !(error instanceof ApiError) || RETRYABLE_CODES.has(error.error.code);
        if (!retryable || Date.now() > deadline) return this.failed(error);
        this.counts.retried++;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private failed(error: unknown): null {
    this.counts.failed++;
    if (this.counts.failures.length < 5) this.counts.failures.push(String(error));
    return null;
  }
}

function png(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31) % 251;
  bytes.set(PNG);
  return bytes;
}

function pdf(size: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode("%PDF-1.4\n".padEnd(size, "%"));
}

/** A message's references in a form two holders can be compared by ("" for none). */
export function referencesOf(attachments: readonly Attachment[] | undefined): string {
  return (attachments ?? []).map((a) => `${a.id}:${a.type}:${a.size}:${a.sha256}:${a.name}`).join(" ");
}
