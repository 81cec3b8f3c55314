/**
 * Identifier shapes and size limits of protocol v2 (see docs/protocol.md, "Identifiers and limits").
 * Limits that operators may tune (rate limit, group size) live in the edge config; these are the fixed ones.
 */
export const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const CONVERSATION_ID = /^[A-Za-z0-9:_-]{1,128}$/;
export const CLIENT_MSG_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const DEFAULT_DEVICE_ID = "default";
export const MAX_BODY_BYTES = 4096;
/** A whole frame may carry a 4 KiB body that JSON-escapes to at most 6 bytes per byte, plus the envelope. */
export const MAX_FRAME_BYTES = 6 * MAX_BODY_BYTES + 1024;
export const MAX_TITLE_LENGTH = 200;
export const DEFAULT_MAX_GROUP_MEMBERS = 1024;
export const MAX_PRESENCE_QUERY = 100;
export const HISTORY_PAGE_DEFAULT = 50;
export const HISTORY_PAGE_MAX = 100;
export const FETCH_PAGE_DEFAULT = 100;
/** A page is what one `fetch` may bring: a full page of the largest bodies is ~0.9 MB out for ~60 bytes in. */
export const FETCH_PAGE_MAX = 200;

const encoder = new TextEncoder();

/** Every UTF-16 unit takes 1 to 3 UTF-8 bytes, so only bodies between those bounds need encoding. */
export function fitsBodyLimit(text: string): boolean {
  if (text.length > MAX_BODY_BYTES) return false;
  if (text.length * 3 <= MAX_BODY_BYTES) return true;
  return encoder.encode(text).length <= MAX_BODY_BYTES;
}
