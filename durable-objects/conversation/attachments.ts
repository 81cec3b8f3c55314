/**
 * A message's attachments, checked in R2 before the message is sequenced (the store's batch path is synchronous, and
 * R2 is not): each must be an object under this conversation that the sender uploaded. The reference stored is the
 * object's name, type and size as R2 has them, not as the client claimed (the hash comes from the sender's session,
 * which recorded it when the bytes were stored). A message that fails is refused alone, nothing stored for it.
 */
import { attachmentKey, fail, ok, type Attachment, type Result, type SendResult } from "../../protocol/index.js";
import type { Outgoing, SendOutcome } from "../rpc.js";
import { log } from "../shared/log.js";

export type AttachmentBucket = Pick<R2Bucket, "head" | "delete">;

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
 * Deletes the bytes of attachments whose message was deleted for everyone. Called after the delete is sequenced: the
 * output gate holds this request until the delete is committed, so bytes never go while their message could stay.
 * A failure is logged (the objects then stay until the bucket's own lifecycle rule, if one is set, removes them).
 */
export async function deleteAttachments(
  bucket: AttachmentBucket,
  conversationId: string,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await bucket.delete(ids.map((id) => attachmentKey(conversationId, id)));
  } catch (error) {
    log("error", "Conversation", "attachment_delete_failed", { conversationId, ids, error });
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
