/** Turns a consumed record into a typed event, or a dead letter saying why it cannot be. */
import type { KafkaMessage } from "kafkajs";
import type { z } from "zod";
import { describeIssues } from "../../protocol/schema.js";
import { deadLetterRecord } from "../message-log/dead-letter.js";
import type { LogRecord } from "../message-log/message-log.js";

export type Decoded<T> = { ok: true; value: T; offset: string } | { ok: false; letter: LogRecord; offset: string };

export function decodeRecord<T>(schema: z.ZodType<T>, topic: string, partition: number, message: KafkaMessage, service: string): Decoded<T> {
  const text = message.value?.toString("utf8") ?? "";
  const refuse = (reason: string, payload: unknown): Decoded<T> => ({
    ok: false,
    offset: message.offset,
    letter: deadLetterRecord({ reason, service, payload, source: { topic, partition, offset: message.offset }, at: Date.now() }, message.key?.toString("utf8") ?? null),
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse("record value is not JSON", text);
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data, offset: message.offset } : refuse(describeIssues(parsed.error), json);
}
