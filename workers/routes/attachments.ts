/**
 * `/v1/conversations/:id/attachments…`: a member uploads a file (streamed into R2) and members download it. The
 * caller's session admits both (membership, the upload quota), so an id the caller is not in reaches no bytes.
 */
import { Hono } from "hono";
import {
  allowedType,
  attachmentKey,
  ATTACHMENT_TYPES,
  parseAttachmentName,
  attachmentId,
  type UploadResult,
} from "../../protocol/index.js";
import { downloadHeaders, notModified, parseRange } from "../attachments/download.js";
import { BodyLengthError, streamToR2 } from "../attachments/store.js";
import { log } from "../../durable-objects/shared/log.js";
import type { AppEnv } from "../context.js";
import { raise, unwrap } from "../errors.js";
import { userSession } from "../stubs.js";
import { idParam, memberOf } from "./conversations.js";

export const attachments = new Hono<AppEnv>();

attachments.post("/:id/attachments", async (c) => {
  const id = idParam(c.req.param("id"));
  const name = unwrap(parseAttachmentName(c.req.query("name")));
  const type = allowedType(c.req.header("Content-Type"));
  if (!type) raise("bad_request", `Content-Type must be one of ${ATTACHMENT_TYPES.join(", ")}`);
  const length = declaredLength(c.req.header("Content-Length"));
  const { attachmentMaxBytes } = c.get("config");
  if (length > attachmentMaxBytes) raise("too_large", `an attachment is at most ${attachmentMaxBytes} bytes`);
  const body = c.req.raw.body;
  if (!body || length === 0) raise("bad_request", "an attachment must not be empty");
  const me = c.get("userId");
  const session = userSession(c.env, me);
  const { id: uploadId } = unwrap(await session.admitUpload(id, length));
  const sha256 = await streamToR2(c.env.ATTACHMENTS, body, {
    key: attachmentKey(id, uploadId),
    type,
    length,
    metadata: { uploader: me, name, type, uploadedAt: String(Date.now()) },
  }).catch((error: unknown) => {
    if (error instanceof BodyLengthError) raise("bad_request", "the body did not have the declared Content-Length");
    log("error", "Worker", "attachment_store_failed", { conversationId: id, error });
    return raise("unavailable", "the attachment could not be stored; retry");
  });
  if (sha256 === null) raise("bad_request", `the file's first bytes are not those of ${type}`);
  unwrap(await session.uploadStored(uploadId, sha256));
  const result: UploadResult = { id: uploadId, name, type, size: length, sha256 };
  return c.json(result, 201);
});

attachments.get("/:id/attachments/:attachmentId", async (c) => {
  const id = await memberOf(c, c.req.param("id"));
  const attachment = c.req.param("attachmentId");
  if (!attachmentId.safeParse(attachment).success) raise("not_found", "no such attachment");
  const bucket = c.env.ATTACHMENTS;
  const key = attachmentKey(id, attachment);
  if (c.req.header("Range") === undefined && c.req.header("If-None-Match") === undefined)
    return whole(await bucket.get(key), attachment);
  const object = await bucket.head(key);
  if (!object) raise("not_found", "no such attachment");
  const headers = downloadHeaders(object, object.customMetadata?.name ?? attachment);
  if (notModified(c.req.header("If-None-Match"), object.httpEtag)) return new Response(null, { status: 304, headers });
  const range = parseRange(c.req.header("Range"), object.size);
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${object.size}`);
    return new Response(null, { status: 416, headers });
  }
  const body = await bucket.get(key, range ? { range } : {});
  if (!body) raise("not_found", "no such attachment");
  if (!range) {
    headers.set("Content-Length", String(object.size));
    return new Response(body.body, { status: 200, headers });
  }
  headers.set("Content-Length", String(range.length));
  headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${object.size}`);
  return new Response(body.body, { status: 206, headers });
});

/** A plain download, the common case: one read of R2 (a class B operation), not a head before it. */
function whole(object: R2ObjectBody | null, attachment: string): Response {
  if (!object) raise("not_found", "no such attachment");
  const headers = downloadHeaders(object, object.customMetadata?.name ?? attachment);
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
}

/** The body's length, which R2 needs before the first byte: a body without one (chunked) is refused. */
function declaredLength(header: string | undefined): number {
  if (header === undefined || !/^\d{1,15}$/.test(header))
    raise("bad_request", "an upload needs a Content-Length header");
  return Number(header);
}
