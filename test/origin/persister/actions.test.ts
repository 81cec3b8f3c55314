/**
 * Message actions through the whole origin: ingested after the messages they act on, read by the persister from
 * chat.messages in seq order, applied in Cassandra. A delete leaves no body in the row, and the stream read again
 * from its beginning (the persister's offsets rewound, every event ingested a second time) changes nothing: no
 * deleted body comes back, no reaction counts twice.
 */
import { describe, expect, it } from "vitest";
import type { MessageEvent, OriginEvent } from "../../../protocol/events.js";
import type { HistoryPage, Message } from "../../../protocol/message.js";
import {
  actionEvent,
  bodyOf,
  countMessages,
  groupStable,
  ingest,
  messageEvents,
  persisterCaughtUp,
  signedFetch,
  startProcess,
  useOriginRun,
  waitFor,
  withKafkaAdmin,
} from "../support.js";

const CONVERSATION = "actions-conv";
const run = useOriginRun("persister_actions", {
  processes: { origin: "ingest", persister: "persister" },
  stable: ["persister"],
});

/** Three messages of alice's, then: an edit of 1, reactions on 2 (one taken back), a delete of 3. */
const messages = messageEvents(CONVERSATION, 1, 3);
const actions = [
  actionEvent(CONVERSATION, 4, { kind: "edit", target: 1, body: "one, edited", editedAt: 1_700_000_000_004 }),
  actionEvent(CONVERSATION, 5, { kind: "react", target: 2, emoji: "👍", on: true, count: 1 }, "bob"),
  actionEvent(CONVERSATION, 6, { kind: "react", target: 2, emoji: "👍", on: true, count: 2 }, "carol"),
  actionEvent(CONVERSATION, 7, { kind: "react", target: 3, emoji: "😮", on: true, count: 1 }, "bob"),
  actionEvent(CONVERSATION, 8, { kind: "react", target: 2, emoji: "👍", on: false, count: 1 }, "bob"),
  actionEvent(CONVERSATION, 9, { kind: "delete", target: 3 }),
];
const stream: OriginEvent[] = [...messages, ...actions];

async function ingestOk(events: OriginEvent[]): Promise<void> {
  const res = await ingest(run.origin.url, events);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accepted: events.length, rejected: 0 });
}

async function history(): Promise<HistoryPage> {
  const res = await signedFetch(run.origin.url, "GET", `/v1/history/${CONVERSATION}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryPage;
}

async function storedRow(seq: number) {
  const rs = await run.backends.cassandra.execute(
    `SELECT body, deleted, edited_at FROM ${run.config.cassandra.keyspace}.messages WHERE conversation_id = ? AND bucket = 0 AND seq = ?`,
    [CONVERSATION, seq],
  );
  const row = rs.first();
  return { body: row.get("body"), deleted: row.get("deleted"), editedAt: row.get("edited_at") };
}

/** A message event as a history page shows it, with what actions changed. */
const shown = ({ kind: _kind, replyTo: _none, ...message }: MessageEvent, state: Partial<Message> = {}): Message => ({
  ...message,
  ...state,
});

/** What the stream leaves, as the edge's history would show it. */
const finalPage: HistoryPage = {
  messages: [
    shown(messages[0]!, { body: "one, edited", editedAt: 1_700_000_000_004 }),
    shown(messages[1]!, { reactions: [{ emoji: "👍", count: 1, users: ["carol"] }] }),
    shown(messages[2]!, { body: "", deleted: true }),
  ],
  hasMore: false,
};

const persisted = () => persisterCaughtUp(run.config);

describe("actions on real Kafka and Cassandra", () => {
  it("an edit, reactions and a delete ingested after their messages land in order: one row per seq, messages in their final state", async () => {
    await ingestOk(messages);
    await ingestOk(actions);
    await waitFor(
      "every entry stored",
      async () => (await countMessages(run.backends, run.config, CONVERSATION, 9)) === 9,
    );
    await waitFor("the persister past the actions", persisted);
    expect(await history()).toEqual(finalPage);
  });

  it("a delete removes the body from Cassandra: the row holds an empty body, no edit time, and no reactions", async () => {
    expect(await storedRow(3)).toEqual({ body: "", deleted: true, editedAt: null });
    const reactions = await run.backends.cassandra.execute(
      `SELECT user_id FROM ${run.config.cassandra.keyspace}.message_reactions WHERE conversation_id = ? AND bucket = 0 AND seq = 3`,
      [CONVERSATION],
    );
    expect(reactions.rows).toEqual([]);
    expect(JSON.stringify(await history())).not.toContain(bodyOf(CONVERSATION, 3));
  });

  it("the stream replayed from an older offset and ingested again does not resurrect a deleted body nor double a reaction", async () => {
    await run.persister.stop();
    await withKafkaAdmin(run.config, (admin) =>
      admin.resetOffsets({
        groupId: run.config.kafka.groups.persister,
        topic: run.config.kafka.topics.messages,
        earliest: true,
      }),
    );
    await ingestOk(stream);
    run.persister = await startProcess(run.config, "persister", run.backends);
    await groupStable(run.config, run.config.kafka.groups.persister);
    await waitFor("the persister through both copies of the stream", persisted, 30_000);
    expect(await storedRow(3)).toEqual({ body: "", deleted: true, editedAt: null });
    expect(await history()).toEqual(finalPage);
    expect(await countMessages(run.backends, run.config, CONVERSATION, 9)).toBe(9);
  });
});
