/**
 * A message's attachments, checked in R2 before the message is sequenced (the store's batch path is synchronous, and
 * R2 is not): each must be an object under this conversation that the sender uploaded. The reference stored is the
 * object's name, type and size as R2 has them, not as the client claimed (the hash comes from the sender's session,
 * which recorded it when the bytes were stored). A message that fails is refused alone, nothing stored for it.
 */
import { attachmentKey, fail, ok, type Attachment, type Result, type SendResult } from "../../protocol/index.js";
import type { Outgoing, SendOutcome } from "../rpc.js";
import type { AlarmConcern } from "../shared/alarm.js";
import { log } from "../shared/log.js";
import type { Sql } from "../shared/sql.js";

export type AttachmentBucket = Pick<R2Bucket, "head">;

/** Runs `sequence` on the items whose attachments check out, and answers the others with their refusal, in order. */
export async function withVerifiedAttachments(
  bucket: AttachmentBucket,
  conversationId: string,
  senderId: string,
  items: Outgoing[],
  sequence: (items: Outgoing[]) => Promise<SendOutcome>,
): Promise<SendOutcome> {
  if (!items.some((item) => "attachments" in item && item.attachments)) return sequence(items);
  const checked = await Promise.all(items.map((item) => verifyItem(bucket, conversationId, senderId, item)));
  const passed = checked.flatMap((r) => (r.ok ? [r.value] : []));
  const outcome = passed.length > 0 ? await sequence(passed) : { results: [] };
  let next = 0;
  const results: Result<SendResult>[] = checked.map((r) => (r.ok ? outcome.results[next++]! : r));
  return { ...outcome, results };
}

/**
 * Deletes from R2 the bytes of attachments whose message was deleted for everyone (listed by the store with the
 * delete). Run after such a delete (the output gate holds the request until the delete is committed, so bytes never go
 * while their message could stay), and at every alarm while some are left: a failure is logged and retried after
 * `retryMs`, and a fresh instance finds what a crash left listed.
 */
export class AttachmentDeletes implements AlarmConcern {
  private retryAt: number | null;

  constructor(
    private readonly sql: Sql,
    private readonly bucket: Pick<R2Bucket, "delete">,
    private readonly conversationId: () => string | undefined,
    private readonly alarm: { reschedule(): Promise<void> },
    private readonly retryMs: number,
  ) {
    this.retryAt = this.listed(1).length > 0 ? Date.now() : null;
  }

  /** Deletes what is listed (up to R2's 1,000 keys per call); on failure, the alarm comes back for the rest. */
  async run(): Promise<void> {
    const ids = this.listed(1000);
    const conversationId = this.conversationId();
    if (ids.length === 0 || conversationId === undefined) {
      this.retryAt = null;
      return;
    }
    try {
      await this.bucket.delete(ids.map((id) => attachmentKey(conversationId, id)));
      for (const id of ids) this.sql.exec("DELETE FROM attachment_deletes WHERE id = ?", id);
      this.retryAt = this.listed(1).length > 0 ? Date.now() : null;
    } catch (error) {
      log("warn", "Conversation", "attachment_delete_failed", { conversationId, ids, error });
      this.retryAt = Date.now() + this.retryMs;
    }
    if (this.retryAt !== null) await this.alarm.reschedule();
  }

  nextWake(): number | null {
    return this.retryAt;
  }

  runDue(): Promise<void> {
    return this.run();
  }

  private listed(limit: number): string[] {
    return this.sql
      .exec("SELECT id FROM attachment_deletes LIMIT ?", limit)
      .toArray()
      .map((row) => String(row.id));
  }
}

async function verifyItem(
  bucket: AttachmentBucket,
  conversationId: string,
  senderId: string,
  item: Outgoing,
): Promise<Result<Outgoing>> {
  if ("action" in item || !item.attachments) return ok(item);
  const verified: Attachment[] = [];
  for (const claimed of item.attachments) {
    const object = await bucket.head(attachmentKey(conversationId, claimed.id));
    if (!object) return fail("not_found", `no attachment ${claimed.id} in this conversation`);
    const meta = object.customMetadata ?? {};
    if (meta.uploader !== senderId) return fail("forbidden", `attachment ${claimed.id} was uploaded by someone else`);
    verified.push({
      ...claimed,
      name: meta.name ?? claimed.name,
      type: object.httpMetadata?.contentType ?? meta.type ?? claimed.type,
      size: object.size,
    });
  }
  return ok({ ...item, attachments: verified });
}
