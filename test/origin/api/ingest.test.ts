/**
 * POST /v1/ingest against real Kafka, Cassandra and Redis: signatures, acks, idempotency, members snapshots, message
 * actions, dead letters, health.
 */
import { once } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { openBackends } from "../../../origin/backends.js";
import { CassandraMembersStore } from "../../../origin/members/members-store-cassandra.js";
import { withTimeout } from "../../../origin/shared/timeout.js";
import { MAX_BODY_BYTES } from "../../../protocol/limits.js";
import {
  actionEvent,
  closedPort,
  configOf,
  countMessages,
  edgeSignature,
  ingest,
  log,
  membersEvent,
  messageEvents,
  persisterCaughtUp,
  readTopic,
  signedFetch,
  startProcess,
  testKafka,
  useOriginRun,
  waitFor,
  type TopicRecord,
} from "../support.js";

const run = useOriginRun("ingest", {
  // origin: the ingest's process, whose ops server reports on the backends it uses.
  processes: { origin: "ingest", persister: "persister" },
  stable: ["persister"],
});

const stored = (conversationId: string, maxSeq: number) =>
  countMessages(run.backends, run.config, conversationId, maxSeq);
const dlqLetters = (records: { value: string }[]) =>
  records.map(
    (r) => JSON.parse(r.value) as { reason: string; service: string; payload: unknown; source?: { partition: number } },
  );

/**
 * The ingest's dead letters whose payload matches `marker`, once `count` are there. Dead letters have no key, so they
 * spread over the DLQ's partitions: they come in reason order, which names the index of the refused event.
 */
async function ingestLetters(marker: RegExp, count: number) {
  const mine = (records: { value: string }[]) =>
    dlqLetters(records).filter((l) => l.service === "ingest" && marker.test(JSON.stringify(l.payload)));
  return mine(await readTopic(run.config, run.config.kafka.topics.dlq, (rs) => mine(rs).length >= count)).sort((a, b) =>
    a.reason.localeCompare(b.reason),
  );
}

/** The values under `conversationId`'s key in chat.messages, once `count` are there: on one partition, in its order. */
async function conversationRecords(conversationId: string, count: number): Promise<unknown[]> {
  const mine = (records: TopicRecord[]) => records.filter((r) => r.key === conversationId);
  const records = mine(await readTopic(run.config, run.config.kafka.topics.messages, (rs) => mine(rs).length >= count));
  expect(new Set(records.map((r) => r.partition)).size).toBe(1);
  records.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  return records.map((r) => JSON.parse(r.value) as unknown);
}

describe("signed requests", () => {
  const body = JSON.stringify({ events: messageEvents("auth-conv", 1, 1) });

  it("refuses an unsigned request with 401 unauthorized", async () => {
    const res = await fetch(`${run.origin.url}/v1/ingest`, { method: "POST", body });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthorized");
  });

  it("refuses a forged signature, a signature of another body, a malformed one and a stale timestamp with 401", async () => {
    const forged = await signedFetch(run.origin.url, "POST", "/v1/ingest", body, { secret: "not-the-secret" });
    const otherBody = await signedFetch(run.origin.url, "POST", "/v1/ingest", body, {
      signedBody: body.replace("auth-conv", "else-conv"),
    });
    const stale = await signedFetch(run.origin.url, "POST", "/v1/ingest", body, {
      timestamp: Date.now() - 5 * 60_000 - 5_000,
    });
    const unsignedRead = await fetch(`${run.origin.url}/v1/history/auth-conv`);
    const valid = await edgeSignature(run.origin.url, "POST", "/v1/ingest", body);
    const malformed = await Promise.all(
      ["ab", "A".repeat(64), "0".repeat(62) + "zz", "0".repeat(66)].map((signature) =>
        fetch(`${run.origin.url}/v1/ingest`, {
          method: "POST",
          body,
          headers: { ...valid, "X-Chat-Signature": signature },
        }),
      ),
    );
    for (const res of [forged, otherBody, stale, unsignedRead, ...malformed]) {
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("unauthorized");
    }
    expect(await stored("auth-conv", 1)).toBe(0);
  });

  it("refuses an unsigned or forged request before reading its body (401), and a signed huge one with 413", async () => {
    const huge = async (headers: Record<string, string>) => {
      // Headers only: a server that waited for the declared gigabyte would never answer.
      const req = request(`${run.origin.url}/v1/ingest`, {
        method: "POST",
        headers: { "Content-Length": "1000000000", ...headers },
      });
      req.on("error", () => undefined);
      req.flushHeaders();
      const [res] = (await withTimeout(once(req, "response"), 5_000, "the origin's answer")) as [IncomingMessage];
      let text = "";
      for await (const part of res) text += part;
      req.destroy();
      return { status: res.statusCode, code: JSON.parse(text).error.code };
    };
    expect(await huge({})).toEqual({ status: 401, code: "unauthorized" });
    const forged = await edgeSignature(run.origin.url, "POST", "/v1/ingest", "{}", { secret: "not-the-secret" });
    expect(await huge(forged)).toEqual({ status: 401, code: "unauthorized" });
    expect(await huge(await edgeSignature(run.origin.url, "POST", "/v1/ingest", "{}"))).toEqual({
      status: 413,
      code: "too_large",
    });
  });

  it("answers 400 to a signed body that is not an ingest envelope", async () => {
    const res = await signedFetch(run.origin.url, "POST", "/v1/ingest", JSON.stringify({ nope: [] }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("bad_request");
  });
});

describe("acknowledgement", () => {
  it("stores an event ingested twice once (Kafka holds both copies, Cassandra one row per seq)", async () => {
    const batch = messageEvents("twice-conv", 1, 3);
    for (let i = 0; i < 2; i++) {
      const res = await ingest(run.origin.url, batch);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 3, rejected: 0 });
    }
    const inLog = await readTopic(
      run.config,
      run.config.kafka.topics.messages,
      (rs) => rs.filter((r) => r.key === "twice-conv").length >= 6,
    );
    expect(inLog.filter((r) => r.key === "twice-conv")).toHaveLength(6);
    await waitFor("3 stored rows", async () => (await stored("twice-conv", 3)) === 3);
    const page = await (await signedFetch(run.origin.url, "GET", "/v1/history/twice-conv")).json();
    expect(page.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    expect(page.hasMore).toBe(false);
  });

  it("answers 503, not 200, while Kafka is unreachable; the edge's retry then succeeds", async () => {
    const deadConfig = configOf({
      ...run.env,
      KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`,
      KAFKA_SEND_TIMEOUT_MS: "3000",
    });
    const deadBackends = openBackends(deadConfig, log);
    const dead = await startProcess(deadConfig, "ingest", deadBackends);
    try {
      const batch = messageEvents("retry-conv", 1, 2);
      const started = Date.now();
      const refused = await ingest(dead.url, batch);
      expect(refused.status).toBe(503);
      expect((await refused.json()).error.code).toBe("unavailable");
      expect(Date.now() - started).toBeLessThan(10_000);
      const health = await fetch(`${dead.opsUrl}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        ok: false,
        checks: { kafka: "failed", cassandra: "ok", redis: "ok" },
      });
      expect(await stored("retry-conv", 2)).toBe(0);

      expect((await ingest(run.origin.url, batch)).status).toBe(200);
      await waitFor("the retried batch stored", async () => (await stored("retry-conv", 2)) === 2);
    } finally {
      await dead.stop();
      await deadBackends.close();
    }
  });
});

describe("members events", () => {
  it("go to chat.messages under their conversation's key: on its partition, in order with its messages", async () => {
    const [first, second] = messageEvents("members-conv", 1, 2);
    const events = [
      membersEvent("members-conv", 1, ["alice", "bob"]),
      first,
      membersEvent("members-conv", 2, ["alice", "bob", "carol"]),
      second,
    ];
    const res = await ingest(run.origin.url, events);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 4, rejected: 0 });

    expect(await conversationRecords("members-conv", 4)).toEqual(events);
  });

  it("the persister keeps each conversation's newest snapshot: an older version ingested after a newer one changes nothing", async () => {
    const members = new CassandraMembersStore(run.backends.cassandra, run.config.cassandra.keyspace);
    const newest = membersEvent("snap-conv", 2, ["alice", "bob", "carol"]);
    expect((await ingest(run.origin.url, [newest])).status).toBe(200);
    await waitFor("version 2 stored", async () => {
      const s = await members.get("snap-conv");
      return s.ok && s.value?.version === 2;
    });
    expect(
      (
        await ingest(run.origin.url, [
          membersEvent("snap-conv", 1, ["alice", "bob"]),
          ...messageEvents("snap-conv", 1, 1),
        ])
      ).status,
    ).toBe(200);
    await waitFor("the persister past version 1", () => persisterCaughtUp(run.config));
    const { kind: _, ...snapshot } = newest;
    expect(await members.get("snap-conv")).toEqual({ ok: true, value: snapshot });
    expect(await stored("snap-conv", 1)).toBe(1);
  });
});

describe("action events", () => {
  it("go to chat.messages under their conversation's key: on its partition, after the messages they act on", async () => {
    const events = [
      ...messageEvents("actions-conv", 1, 2),
      actionEvent("actions-conv", 3, { kind: "edit", target: 1, body: "edited", editedAt: Date.now() }),
      actionEvent("actions-conv", 4, { kind: "react", target: 2, emoji: "👍🏽", on: true, count: 1 }, "bob"),
      actionEvent("actions-conv", 5, { kind: "delete", target: 2 }, "alice"),
    ];
    const res = await ingest(run.origin.url, events);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 5, rejected: 0 });

    expect(await conversationRecords("actions-conv", 5)).toEqual(events);
  });

  it("refuses malformed actions: an edit over the body limit, a reaction that is not an emoji, a delete without a target", async () => {
    const edit = actionEvent("dlq-actions", 1, {
      kind: "edit",
      target: 1,
      body: "é".repeat(MAX_BODY_BYTES / 2 + 1),
      editedAt: 1,
    });
    const react = actionEvent("dlq-actions", 2, { kind: "react", target: 1, emoji: "ok", on: true, count: 1 });
    const noTarget = { ...actionEvent("dlq-actions", 3, { kind: "delete", target: 1 }), action: { kind: "delete" } };
    const res = await ingest(run.origin.url, [edit, react, noTarget]);
    expect(await res.json()).toEqual({ accepted: 0, rejected: 3 });
    const letters = await ingestLetters(/dlq-actions/, 3);
    expect(letters.map((l) => l.reason)).toEqual([
      `events[0]: body: exceeds ${MAX_BODY_BYTES} bytes`,
      expect.stringMatching(/^events\[1\]: action\.emoji: must be an emoji/),
      expect.stringMatching(/^events\[2\]: action\.target: /),
    ]);
  });
});

describe("dead letters", () => {
  it("refuses v1 offline events, leases outside 1 s..1 h and malformed members snapshots; presence is left unchanged", async () => {
    const offline = {
      kind: "offline",
      userId: "dlq-user",
      conversationId: "dlq-members",
      seq: 1,
      senderId: "bob",
      preview: "hi",
      sentAt: Date.now(),
    };
    const shortLease = { kind: "presence", userId: "dlq-user", online: true, at: Date.now(), leaseMs: 999 };
    const longLease = { ...shortLease, leaseMs: 3_600_001 };
    const badMember = membersEvent("dlq-members", 1, ["alice", "not a user!"]);
    const noVersion = membersEvent("dlq-members", 0, ["alice"]);
    const res = await ingest(run.origin.url, [offline, shortLease, longLease, badMember, noVersion]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, rejected: 5 });

    const letters = await ingestLetters(/dlq-(user|members)/, 5);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(/^events\[0\]: kind: /),
      expect.stringMatching(/^events\[1\]: leaseMs: /),
      expect.stringMatching(/^events\[2\]: leaseMs: /),
      expect.stringMatching(/^events\[3\]: members\.1: must be/),
      expect.stringMatching(/^events\[4\]: version: /),
    ]);
    expect(letters.map((l) => l.payload)).toEqual([offline, shortLease, longLease, badMember, noVersion]);
    const presence = await (await signedFetch(run.origin.url, "GET", "/v1/presence?users=dlq-user")).json();
    expect(presence).toEqual({ presence: { "dlq-user": { online: false, lastSeen: null } } });
  });

  it("sends malformed events to chat.dlq with the reason and accepts the rest of the batch", async () => {
    const [first, second] = messageEvents("dlq-conv", 1, 2);
    const badConversation = { ...first, conversationId: "not a valid id!", seq: 7 };
    const unknownKind = { kind: "teleport", userId: "alice" };
    const res = await ingest(run.origin.url, [first, badConversation, unknownKind, second]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, rejected: 2 });

    const letters = await ingestLetters(/not a valid id!|teleport/, 2);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(/^events\[1\]: conversationId: must be/),
      expect.stringMatching(/^events\[2\]: kind: /),
    ]);
    expect(letters.map((l) => l.payload)).toEqual([badConversation, unknownKind]);
    await waitFor("the valid events stored", async () => (await stored("dlq-conv", 2)) === 2);
  });

  it("moves a partition past a malformed record: it goes to chat.dlq and later messages are persisted", async () => {
    const producer = testKafka(run.config).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Same key as the conversation: same partition, ahead of its messages.
    await producer.send({
      topic: run.config.kafka.topics.messages,
      messages: [
        { key: "poison-conv", value: "{not json" },
        { key: "poison-conv", value: JSON.stringify({ kind: "message", seq: -1 }) },
      ],
    });
    await producer.disconnect();
    expect((await ingest(run.origin.url, messageEvents("poison-conv", 1, 5))).status).toBe(200);

    await waitFor("messages behind the poison records stored", async () => (await stored("poison-conv", 5)) === 5);
    const records = await readTopic(
      run.config,
      run.config.kafka.topics.dlq,
      (rs) => dlqLetters(rs).filter((l) => l.service === "persister").length >= 2,
    );
    const letters = dlqLetters(records).filter((l) => l.service === "persister");
    expect(letters.map((l) => l.reason)).toEqual([
      "record value is not JSON",
      expect.stringMatching(/conversationId|seq/),
    ]);
    const messagesPartition = (
      await readTopic(run.config, run.config.kafka.topics.messages, (rs) => rs.some((r) => r.key === "poison-conv"))
    ).find((r) => r.key === "poison-conv")!.partition;
    expect(letters.every((l) => l.source?.partition === messagesPartition)).toBe(true);
  });
});

describe("operations (on the ops server)", () => {
  it("reports every backend healthy", async () => {
    const res = await fetch(`${run.origin.opsUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, checks: { kafka: "ok", cassandra: "ok", redis: "ok" }, failed: {} });
  });

  it("exposes ingest and persister counters to Prometheus", async () => {
    const text = await (await fetch(`${run.origin.opsUrl}/metrics`)).text();
    expect(text).toMatch(/^origin_ingested_events_total\{kind="message"\} [1-9]\d*$/m);
    expect(text).toMatch(/^origin_ingested_events_total\{kind="action"\} [1-9]\d*$/m);
    expect(text).toMatch(/^origin_persisted_messages_total [1-9]\d*$/m);
    expect(text).toMatch(/^origin_dead_letters_total\{service="ingest"\} [1-9]\d*$/m);
    expect(text).toMatch(/^origin_consumer_lag\{group="[^"]+",topic="[^"]+",partition="\d+"\} \d+$/m);
  });
});
