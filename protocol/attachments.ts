/**
 * Attachments (photos and files): the filename rule, the reference a message carries, and the fixed limits (the
 * content types the edge accepts, and their first bytes, are in attachment-types.ts). The bytes live in R2; a message carries
 * references only (docs/protocol.md, "Attachments").
 */
import { z } from "zod";
import { fail, ok, type Result } from "./errors.js";
import { MAX_ATTACHMENT_NAME, MAX_ATTACHMENT_PREVIEW, MAX_ATTACHMENTS } from "./limits.js";
import { allowedType } from "./attachment-types.js";
import { describeIssues } from "./schema.js";

export * from "./attachment-types.js";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A filename: 1–200 characters, no control characters, no path separators. */
export const attachmentName = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_ATTACHMENT_NAME, `must be at most ${MAX_ATTACHMENT_NAME} chars`)
  .refine((name) => !CONTROL.test(name), "must have no control characters")
  .refine((name) => !/[/\\]/.test(name), "must have no / or \\");

/** An upload's `?name=`: the filename, or bad_request naming the rule it breaks. */
export function parseAttachmentName(raw: string | undefined): Result<string> {
  const name = attachmentName.safeParse(raw ?? "");
  return name.success ? ok(name.data) : fail("bad_request", `name: ${describeIssues(name.error)}`);
}

/** An attachment id as the edge makes it (a UUID); anything else names no upload. */
export const attachmentId = z.string().regex(/^[0-9a-f-]{36}$/, "must be an attachment id");

/** The reference a message carries. `size`, `type` and `sha256` are the edge's, not the client's. */
export const attachment = z.object({
  id: attachmentId,
  name: attachmentName,
  type: z.string().refine((type) => allowedType(type) === type, "must be an allowed type"),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be hex SHA-256"),
  width: z.number().int().min(1).max(100_000).optional(),
  height: z.number().int().min(1).max(100_000).optional(),
  // Printable ASCII without `"` or `\`: what a blurhash or a base64 data URL is made of, and JSON needs no escape for
  // it, so a frame's limit (MAX_FRAME_BYTES) holds any preview.
  preview: z
    .string()
    .max(MAX_ATTACHMENT_PREVIEW, `must be at most ${MAX_ATTACHMENT_PREVIEW} chars`)
    .regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/, 'must be printable ASCII without " or \\')
    .optional(),
});
export type Attachment = z.infer<typeof attachment>;

export const attachments = z.array(attachment).min(1).max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments`);

/** `201` of an upload: what a message then references (with width, height and preview the client adds). */
export interface UploadResult {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
}

/** The R2 key of an upload: under its conversation, so a reference names the conversation it may be used in. */
export function attachmentKey(conversationId: string, id: string): string {
  return `${conversationId}/${id}`;
}
