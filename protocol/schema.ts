/** Field schemas shared by frames, HTTP bodies and origin events. */
import { z } from "zod";
import { EMOJI, MAX_EMOJI_LENGTH } from "./actions.js";
import { ID_RULES, MAX_BODY_BYTES, type IdRule } from "./limits.js";

const id = (rule: IdRule) => z.string().regex(rule.pattern, rule.text);
export const userId = id(ID_RULES.userId);
export const conversationId = id(ID_RULES.conversationId);
export const clientMsgId = id(ID_RULES.clientMsgId);
/**
 * A lone surrogate (`"a\ud800b"`) is valid JSON but not text: SQLite and every UTF-8 hop would replace it, so
 * history would differ from what was delivered live. Refused wherever free text enters.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}
export const text = z.string().refine(isWellFormed, "must be well-formed text (no lone surrogates)");
/** A message's text: may be empty when the message carries attachments (see `hasContent`). */
export const messageText = text;
/** A message has a body or attachments (or both). */
export function hasContent(m: { body: string; attachments?: readonly unknown[] | undefined }): boolean {
  return m.body.length > 0 || (m.attachments?.length ?? 0) > 0;
}
export const NO_CONTENT = { message: "body: must not be empty without attachments", path: ["body"] };
/** Size is checked apart (fitsBodyLimit) because an oversized body answers too_large, not bad_request. */
export const body = z
  .string()
  .min(1, "must not be empty")
  .refine(isWellFormed, "must be well-formed text (no lone surrogates)");
export const emoji = z
  .string()
  .max(MAX_EMOJI_LENGTH, `must be at most ${MAX_EMOJI_LENGTH} chars`)
  .regex(EMOJI, "must be an emoji");
export const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const time = z.number().int().min(0);

/** The fields every stored message has, wherever one travels whole (an origin event, a report). */
export const storedMessage = {
  conversationId,
  seq: seq.min(1),
  senderId: userId,
  clientMsgId,
  body: text.max(MAX_BODY_BYTES),
  sentAt: time,
};

/** Turns a zod failure into one readable line: the first problem, with the field it concerns. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
