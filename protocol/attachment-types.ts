/**
 * The content types the edge accepts for attachments and how each is recognised by its first bytes. Apart from
 * attachments.ts (which holds the validators) so the web page can check a file before uploading it without bundling
 * zod.
 */

/** Default of ATTACHMENT_MAX_BYTES. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;
/** The bytes `sniffMatches` needs to see (the longest signature: WebP's RIFF….WEBP). */
export const SNIFF_BYTES = 12;

type Sniffer = (head: Uint8Array) => boolean;

const startsWith =
  (...signature: number[]): Sniffer =>
  (head) =>
    signature.every((byte, i) => head[i] === byte);
const ascii = (text: string, at: number, head: Uint8Array) =>
  [...text].every((c, i) => head[at + i] === c.charCodeAt(0));

/**
 * The allow-list. A type whose first bytes do not match is refused, so a file cannot claim to be an image and be
 * served as something else. Plain text has no signature: it is accepted when its first bytes hold no NUL (binary).
 */
const SNIFFERS: Record<string, Sniffer> = {
  "image/jpeg": startsWith(0xff, 0xd8, 0xff),
  "image/png": startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
  "image/gif": (head) => ascii("GIF87a", 0, head) || ascii("GIF89a", 0, head),
  "image/webp": (head) => ascii("RIFF", 0, head) && ascii("WEBP", 8, head),
  "application/pdf": (head) => ascii("%PDF-", 0, head),
  "video/mp4": (head) => ascii("ftyp", 4, head),
  "text/plain": (head) => !head.includes(0),
};

export const ATTACHMENT_TYPES: readonly string[] = Object.keys(SNIFFERS);

/** `Content-Type: image/png; charset=…` → `image/png`, or null when it is not on the allow-list. */
export function allowedType(contentType: string | null | undefined): string | null {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type && type in SNIFFERS ? type : null;
}

/** Whether a file's first bytes (at least SNIFF_BYTES, or the whole file when shorter) are those of `type`. */
export function sniffMatches(type: string, head: Uint8Array): boolean {
  const sniff = SNIFFERS[type];
  return sniff !== undefined && head.length > 0 && sniff(head);
}

/** Images are shown inline when downloaded; anything else is saved as a file. */
export function isImage(type: string): boolean {
  return type.startsWith("image/");
}
