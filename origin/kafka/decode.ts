/** Turns consumed records into typed events, and the others into dead letters saying why they cannot be. */
import type { KafkaMessage } from "kafkajs";
import type { z } from "zod";
import { describeIssues } from "../../protocol/schema.js";
import { deadLetterRecord } from "../message-log/dead-letter.js";
import type { Consumed, Malformed } from "../message-log/log-consumer.js";

export interface DecodeSource {
  topic: string;
  partition: number;
  /** The consumer refusing malformed records, named in their dead letters. */
  service: string;
}

export function decodeRecords<T>(
  schema: z.ZodType<T>,
  source: DecodeSource,
  records: readonly KafkaMessage[],
): { events: Consumed<T>[]; malformed: Malformed[] } {
  const events: Consumed<T>[] = [];
  const malformed: Malformed[] = [];
  for (const record of records) {
    const decoded = decode(schema, record);
    if (decoded.ok) events.push({ partition: source.partition, offset: record.offset, value: decoded.value });
    else malformed.push({ offset: record.offset, letter: letterOf(source, record, decoded.reason, decoded.payload) });
  }
  return { events, malformed };
}

function decode<T>(
  schema: z.ZodType<T>,
  record: KafkaMessage,
): { ok: true; value: T } | { ok: false; reason: string; payload: unknown } {
  const text = record.value?.toString("utf8") ?? "";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "record value is not JSON", payload: text };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: describeIssues(parsed.error), payload: json };
}

function letterOf({ topic, partition, service }: DecodeSource, record: KafkaMessage, reason: string, payload: unknown) {
  const source = { topic, partition, offset: record.offset };
  return deadLetterRecord({ reason, service, payload, source, at: Date.now() }, record.key?.toString("utf8") ?? null);
}
