/**
 * How the edge packs outbox events into ingest bodies of at most MAX_INGEST_BYTES, the cap origin enforces before it
 * reads a request (protocol/events.ts). Events are serialised once; the body is their JSON joined into the envelope.
 */
import { MAX_INGEST_BYTES } from "./events.js";

const encoder = new TextEncoder();
/** `{"events":[` and `]}`. */
const ENVELOPE_BYTES = encoder.encode('{"events":[]}').length;

/** The body `{"events":[…]}` of already serialised events. */
export function ingestEnvelope(events: readonly string[]): string {
  return `{"events":[${events.join(",")}]}`;
}

/**
 * How many of `events` (serialised), from the first, fit one body of `maxBytes`. Always at least one: no event the
 * edge accepted comes near the cap, and a batch that could never be sent would stall its outbox for good.
 */
export function fittingEvents(events: readonly string[], maxBytes = MAX_INGEST_BYTES): number {
  let bytes = ENVELOPE_BYTES;
  for (let i = 0; i < events.length; i++) {
    bytes += encoder.encode(events[i]!).length + (i > 0 ? 1 : 0);
    if (bytes > maxBytes) return Math.max(1, i);
  }
  return events.length;
}
