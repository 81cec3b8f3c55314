/**
 * Identifier shapes and size limits of protocol v2 (see docs/protocol.md, "Identifiers and limits").
 * Limits that operators may tune (rate limit, group size) live in the edge config; these are the fixed ones.
 */

/** An identifier's shape: a pattern to test, its longest length, and the words error messages state it in. */
export interface IdRule {
  pattern: RegExp;
  maxLength: number;
  text: string;
}

function idRule(chars: string, maxLength: number): IdRule {
  return {
    pattern: new RegExp(`^[${chars}]{1,${maxLength}}$`),
    maxLength,
    text: `must be 1-${maxLength} chars of [${chars}]`,
  };
}

export const ID_RULES = {
  userId: idRule("A-Za-z0-9_.-", 64),
  deviceId: idRule("A-Za-z0-9_-", 64),
  conversationId: idRule("A-Za-z0-9:_-", 128),
  clientMsgId: idRule("A-Za-z0-9_-", 64),
} as const;

export const USER_ID = ID_RULES.userId.pattern;
export const DEVICE_ID = ID_RULES.deviceId.pattern;
export const CONVERSATION_ID = ID_RULES.conversationId.pattern;
export const CLIENT_MSG_ID = ID_RULES.clientMsgId.pattern;

/** The device id of a connection that names none. */
export const DEFAULT_DEVICE_ID = "default";
export const MAX_BODY_BYTES = 4096;
/** Any HTTP request body of the edge API (a group's member list is the largest). */
export const MAX_HTTP_BODY_BYTES = 64 * 1024;
/** A message carries at most this many attachments (protocol/attachments.ts). */
export const MAX_ATTACHMENTS = 10;
export const MAX_ATTACHMENT_NAME = 200;
/** A preview (a blurhash, a tiny thumbnail as a data URL) travels in every copy of the message: kept small. */
export const MAX_ATTACHMENT_PREVIEW = 2048;
/**
 * The most a message's attachment references take as JSON text: a preview is ASCII that needs no escaping, a name
 * may escape to 6 characters per character, and the rest (id, type, hash, sizes, keys) stays under 512.
 */
export const MAX_ATTACHMENTS_JSON = MAX_ATTACHMENTS * (MAX_ATTACHMENT_PREVIEW + 6 * MAX_ATTACHMENT_NAME + 512);
/**
 * A whole frame may carry a 4 KiB body that JSON-escapes to at most 6 bytes per byte, a message's attachment
 * references, and the envelope.
 */
export const MAX_FRAME_BYTES = 6 * MAX_BODY_BYTES + MAX_ATTACHMENTS_JSON + 1024;
export const MAX_TITLE_LENGTH = 200;
export const DEFAULT_MAX_GROUP_MEMBERS = 1024;
export const MAX_PRESENCE_QUERY = 100;
export const HISTORY_PAGE_DEFAULT = 50;
export const HISTORY_PAGE_MAX = 100;
export const FETCH_PAGE_DEFAULT = 100;
/** A page is what one `fetch` may bring: a full page of the largest bodies is ~0.9 MB out for ~60 bytes in. */
export const FETCH_PAGE_MAX = 200;

/** A search's words, and its pages. */
export const SEARCH_QUERY_MAX = 200;
export const SEARCH_WORDS_MAX = 10;
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_PAGE_MAX = 50;

/** The edge relays at most one `typing` per (user, conversation) this often, timed by arrival; it drops the others. */
export const TYPING_RELAY_MS = 1_000;
/**
 * What a client adds to TYPING_RELAY_MS when it times its own typing frames: the edge times them by their arrival, so a
 * frame sent exactly an interval after one that was delayed on its way reaches the edge early and is dropped.
 */
export const TYPING_RELAY_MARGIN_MS = 300;

const encoder = new TextEncoder();

/** Every UTF-16 unit takes 1 to 3 UTF-8 bytes, so only bodies between those bounds need encoding. */
export function fitsBodyLimit(text: string): boolean {
  if (text.length > MAX_BODY_BYTES) return false;
  if (text.length * 3 <= MAX_BODY_BYTES) return true;
  return encoder.encode(text).length <= MAX_BODY_BYTES;
}
