/**
 * Reports from the edge to origin's reports topic, on real workerd and Kafka: the Moderation object files a member's
 * report and forwards it, signed, to origin's ingest, which writes it under the conversation's key; the edge's own
 * queue keeps answering the operator. A report filed while origin refuses reaches the topic once origin is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report, ReportEvent } from "../../protocol/index.js";
import { boundTo, readTopic, SECRET, startProcess, useOriginRun, type TopicRecord } from "../origin/support.js";
import { Api, type UserApi } from "../support/api.js";
import { startEdge, type Edge } from "../support/edge.js";

const MODERATOR_TOKEN = "e2e-moderator";
const run = useOriginRun("e2e_reports", { processes: { origin: "ingest" } });
let edge: Edge;
let api: Api;
let counter = 0;

beforeAll(async () => {
  run.config = boundTo(run.config, run.origin.url);
  edge = await startEdge({
    bindings: { ORIGIN_URL: run.origin.url, ORIGIN_SECRET: SECRET, OUTBOX_RETRY_MS: "200", MODERATOR_TOKEN },
  });
  api = new Api(edge.url);
}, 180_000);

afterAll(async () => {
  await edge?.stop();
});

async function reportedConversation(): Promise<{ alice: UserApi; id: string; seq: number }> {
  const suffix = `${Date.now().toString(36)}${++counter}`;
  const [alice, bob] = await Promise.all(["alice", "bob"].map((n) => api.as(`${n}-${suffix}`)));
  const id = await alice!.direct(bob!.userId);
  const sent = await bob!.send(id, "m1", "you are awful");
  expect(sent.status).toBe(201);
  return { alice: alice!, id, seq: sent.body.seq as number };
}

async function onTopic(conversationId: string): Promise<ReportEvent[]> {
  const mine = (records: TopicRecord[]) => records.filter((r) => r.key === conversationId);
  const records = mine(
    await readTopic(run.config, run.config.kafka.topics.reports, (rs) => mine(rs).length >= 1, 30_000),
  );
  return records.map((r) => JSON.parse(r.value) as ReportEvent);
}

async function edgeQueue(conversationId: string): Promise<Report[]> {
  const page = await api.raw("GET", "/v1/moderation/reports?limit=100", undefined, {
    Authorization: `Bearer ${MODERATOR_TOKEN}`,
  });
  expect(page.status).toBe(200);
  return (page.body.reports as Report[]).filter((r) => r.conversationId === conversationId);
}

describe("reports with an origin", () => {
  it("reach origin's reports topic as the edge filed them, and stay in the edge's queue", async () => {
    const { alice, id, seq } = await reportedConversation();
    const filed = await alice.call("POST", `/v1/conversations/${id}/reports`, { seq, reason: "abuse" });
    expect(filed.status).toBe(201);
    const [stored] = await edgeQueue(id);
    expect(stored).toMatchObject({ id: filed.body.id, message: { body: "you are awful" } });
    expect(await onTopic(id)).toEqual([{ kind: "report", ...stored }]);
  });

  it("reach the topic once origin answers again after a report filed while it was down", async () => {
    await run.origin.stop();
    const { alice, id, seq } = await reportedConversation();
    const filed = await alice.call("POST", `/v1/conversations/${id}/reports`, { seq, reason: "spam" });
    expect(filed.status).toBe(201);
    // Long enough for the first forward and a retry to be refused.
    await new Promise((r) => setTimeout(r, 1_000));
    run.origin = await startProcess(run.config, "ingest", run.backends);
    const [event] = await onTopic(id);
    expect(event).toMatchObject({ kind: "report", id: filed.body.id, reason: "spam" });
  });
});
