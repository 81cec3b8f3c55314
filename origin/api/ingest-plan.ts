/**
 * Turns the events of one ingest batch into what must be written: log records (messages, actions and members snapshots
 * by conversation, reports to their own stream by conversation, refused events to the dead-letter stream) and presence
 * updates. Pure: validation happens here, once.
 */
import { originEvent, type OriginEvent, type PresenceEvent } from "../../protocol/events.js";
import { fitsBodyLimit, MAX_BODY_BYTES } from "../../protocol/limits.js";
import { describeIssues } from "../../protocol/schema.js";
import { deadLetterRecord } from "../message-log/dead-letter.js";
import type { LogRecord } from "../message-log/message-log.js";

export interface IngestPlan {
  records: LogRecord[];
  presence: PresenceEvent[];
  accepted: Record<OriginEvent["kind"], number>;
  rejected: number;
}

export function planIngest(events: readonly unknown[], receivedAt: number): IngestPlan {
  const plan: IngestPlan = {
    records: [],
    presence: [],
    accepted: { message: 0, action: 0, members: 0, presence: 0, report: 0 },
    rejected: 0,
  };
  events.forEach((raw, index) => {
    const checked = validate(raw);
    if (typeof checked === "string") {
      plan.rejected += 1;
      plan.records.push(
        deadLetterRecord({ reason: `events[${index}]: ${checked}`, service: "ingest", payload: raw, at: receivedAt }),
      );
      return;
    }
    plan.accepted[checked.kind] += 1;
    // Actions and members snapshots share their conversation's key, hence its partition: consumers read them in order
    // with the conversation's messages (an action follows the message it acts on; a snapshot precedes every message
    // sequenced after the change it reports).
    if (checked.kind === "presence") plan.presence.push(checked);
    // Reports go to a stream of their own, which neither the persister nor push reads: no message store sees them.
    else if (checked.kind === "report")
      plan.records.push({ stream: "reports", key: checked.conversationId, value: JSON.stringify(checked) });
    else plan.records.push({ stream: "messages", key: checked.conversationId, value: JSON.stringify(checked) });
  });
  return plan;
}

/** The typed event, or why it is refused. */
function validate(raw: unknown): OriginEvent | string {
  const parsed = originEvent.safeParse(raw);
  if (!parsed.success) return describeIssues(parsed.error);
  const body = bodyOf(parsed.data);
  if (body !== undefined && !fitsBodyLimit(body)) return `body: exceeds ${MAX_BODY_BYTES} bytes`;
  return parsed.data;
}

/** The text an event carries: a message's body, or an edit's new one. */
function bodyOf(event: OriginEvent): string | undefined {
  if (event.kind === "message") return event.body;
  if (event.kind === "action" && event.action.kind === "edit") return event.action.body;
  return undefined;
}
