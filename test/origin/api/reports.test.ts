/**
 * `report` events at origin, on real Kafka and Cassandra: ingest writes each to the reports topic under its
 * conversation's key, where an operator reads it; the messages topic, and so the persister and push, never see it.
 */
import { describe, expect, it } from "vitest";
import type { ReportEvent } from "../../../protocol/index.js";
import {
  countMessages,
  ingest,
  membersEvent,
  messageEvents,
  readTopic,
  useOriginRun,
  waitFor,
  type TopicRecord,
} from "../support.js";

const run = useOriginRun("reports", { processes: { origin: "ingest,persister" }, stable: ["persister"] });

function reportEvent(conversationId: string, seq: number, extra: Partial<ReportEvent> = {}): ReportEvent {
  const reported = {
    conversationId,
    seq,
    senderId: "bob",
    clientMsgId: `c-${seq}`,
    body: "you are awful",
    sentAt: 1_700_000_000_000 + seq,
  };
  return {
    kind: "report",
    id: crypto.randomUUID(),
    conversationId,
    reporterId: "alice",
    reportedUserId: "bob",
    seq,
    reason: "abuse",
    note: "please look",
    at: 1_700_000_000_500,
    message: reported,
    context: [],
    ...extra,
  };
}

describe("report events", () => {
  it("go to the reports topic under the conversation's key, and not to the messages topic", async () => {
    const conversationId = `g:report-${Date.now().toString(36)}`;
    const report = reportEvent(conversationId, 1);
    const res = await ingest(run.origin.url, [
      membersEvent(conversationId, 1, ["alice", "bob"]),
      ...messageEvents(conversationId, 1, 1, "bob"),
      report,
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, rejected: 0 });

    const mine = (records: TopicRecord[]) => records.filter((r) => r.key === conversationId);
    const reports = mine(await readTopic(run.config, run.config.kafka.topics.reports, (rs) => mine(rs).length >= 1));
    expect(reports.map((r) => JSON.parse(r.value) as unknown)).toEqual([report]);

    // The persister stored the message; the messages topic carries the snapshot and the message, not the report.
    await waitFor(
      "the message stored",
      async () => (await countMessages(run.backends, run.config, conversationId, 1)) === 1,
    );
    const logged = mine(await readTopic(run.config, run.config.kafka.topics.messages, (rs) => mine(rs).length >= 2));
    expect(logged.map((r) => (JSON.parse(r.value) as { kind: string }).kind).sort()).toEqual(["members", "message"]);
  });

  it("dead-letters a malformed report and takes the rest of the batch", async () => {
    const conversationId = `g:bad-report-${Date.now().toString(36)}`;
    const res = await ingest(run.origin.url, [
      reportEvent(conversationId, 2, { reason: "rude" as ReportEvent["reason"] }),
      reportEvent(conversationId, 3),
    ]);
    expect(await res.json()).toEqual({ accepted: 1, rejected: 1 });
    const mine = (records: TopicRecord[]) => records.filter((r) => r.key === conversationId);
    const reports = mine(await readTopic(run.config, run.config.kafka.topics.reports, (rs) => mine(rs).length >= 1));
    expect(reports.map((r) => (JSON.parse(r.value) as ReportEvent).seq)).toEqual([3]);
    const letters = await readTopic(run.config, run.config.kafka.topics.dlq, (rs) =>
      rs.some((r) => r.value.includes(conversationId)),
    );
    expect(letters.filter((r) => r.value.includes(conversationId))).toHaveLength(1);
  });
});
