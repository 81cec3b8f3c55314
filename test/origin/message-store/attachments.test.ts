/**
 * Origin keeps a message's attachment references (the bytes stay in R2 at the edge): a message forwarded with them is
 * stored through Kafka and the persister into Cassandra, and history pages from origin show them as the edge's own
 * history does; an edit keeps them, a delete for everyone clears them, in any order of arrival and however often.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CassandraMessageStore } from "../../../origin/message-store/message-store-cassandra.js";
import type { Attachment } from "../../../protocol/attachments.js";
import type { MessageEvent } from "../../../protocol/events.js";
import type { HistoryPage, Message } from "../../../protocol/message.js";
import {
  actionEvent,
  ingest,
  messageEvents,
  persisterCaughtUp,
  signedFetch,
  useOriginRun,
  waitFor,
} from "../support.js";

const run = useOriginRun("attachments", { processes: { origin: "ingest,persister" } });
let store: CassandraMessageStore;

const photo: Attachment = {
  id: "0b7e1c52-6a1f-4f7e-9d7a-2f1c3b4a5d6e",
  name: "beach.png",
  type: "image/png",
  size: 48_213,
  sha256: "a".repeat(64),
  width: 1280,
  height: 960,
  preview: "data:image/png;base64,iVBORw0KGgo=",
};
const report: Attachment = {
  id: "5c9d2e13-7b20-4a8f-8e6b-3a2d4c5b6e7f",
  name: "Q3 report (final).pdf",
  type: "application/pdf",
  size: 1_024,
  sha256: "b".repeat(64),
};

/** A message of `senderId` at `seq` carrying `attachments`, with a body or (attachment-only) none. */
function withFiles(conversationId: string, seq: number, attachments: Attachment[], body?: string): MessageEvent {
  const [message] = messageEvents(conversationId, seq, seq);
  return { ...message!, body: body ?? message!.body, attachments };
}

async function historyOf(conversationId: string): Promise<HistoryPage> {
  const res = await signedFetch(run.origin.url, "GET", `/v1/history/${conversationId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryPage;
}

async function storedPage(conversationId: string): Promise<Message[]> {
  const page = await store.page(conversationId, { limit: 100 });
  if (!page.ok) throw new Error(page.error.message);
  return page.value.messages;
}

async function attachmentsCell(conversationId: string, seq: number): Promise<string | null> {
  const rs = await run.backends.cassandra.execute(
    `SELECT attachments FROM ${run.config.cassandra.keyspace}.messages WHERE conversation_id = ? AND bucket = 0 AND seq = ?`,
    [conversationId, seq],
  );
  return rs.first().get("attachments") as string | null;
}

beforeAll(() => {
  store = new CassandraMessageStore(run.backends.cassandra, run.config.cassandra.keyspace);
});

describe("attachment references at origin", () => {
  it("history from Cassandra shows each message's references as the edge forwarded them", async () => {
    const id = "files-conv";
    const events = [
      withFiles(id, 1, [photo], "look at this"),
      withFiles(id, 2, [photo, report], ""),
      ...messageEvents(id, 3, 3),
    ];
    expect((await ingest(run.origin.url, events)).status).toBe(200);
    await waitFor("the messages persisted", () => persisterCaughtUp(run.config), 30_000, 200);
    const { messages, hasMore } = await historyOf(id);
    expect(hasMore).toBe(false);
    // The events carry no reply, edit or delete: the page shows each as forwarded, but for `kind`.
    expect(messages).toEqual(events.map(({ kind: _kind, ...message }) => message));
    expect(messages[0]!.attachments).toEqual([photo]);
    expect(messages[1]).toMatchObject({ body: "", attachments: [photo, report] });
    expect(messages[2]).not.toHaveProperty("attachments");
  });

  it("an edit keeps the references; a delete for everyone, forwarded through Kafka, clears them from the row", async () => {
    const id = "files-deleted";
    const messages = [withFiles(id, 1, [report], "draft"), withFiles(id, 2, [photo])];
    expect((await ingest(run.origin.url, messages)).status).toBe(200);
    const actions = [
      actionEvent(id, 3, { kind: "edit", target: 1, body: "final draft", editedAt: 1_700_000_000_003 }),
      actionEvent(id, 4, { kind: "delete", target: 2 }),
    ];
    expect((await ingest(run.origin.url, actions)).status).toBe(200);
    await waitFor("the entries persisted", () => persisterCaughtUp(run.config), 30_000, 200);
    const page = await historyOf(id);
    expect(page.messages.map((m) => [m.seq, m.body, m.deleted, m.attachments])).toEqual([
      [1, "final draft", undefined, [report]],
      [2, "", true, undefined],
    ]);
    expect(await attachmentsCell(id, 2)).toBeNull();
  });

  it("a message replayed after its delete, or the stream in any order, never brings the references back", async () => {
    const id = "files-replayed";
    const message = withFiles(id, 1, [photo, report]);
    const erase = actionEvent(id, 2, { kind: "delete", target: 1 });
    await store.upsert([erase]);
    await store.upsert([message]);
    await store.upsert([message, erase, message]);
    expect(await attachmentsCell(id, 1)).toBeNull();
    expect(await storedPage(id)).toEqual([
      {
        conversationId: id,
        seq: 1,
        senderId: "alice",
        clientMsgId: "c-1",
        body: "",
        sentAt: 1_700_000_000_001,
        deleted: true,
      },
    ]);
  });

  it("a message forwarded already deleted has no references, and one without any stores no cell", async () => {
    const id = "files-none";
    const deleted: MessageEvent = { ...messageEvents(id, 1, 1)[0]!, body: "", deleted: true };
    await store.upsert([deleted, ...messageEvents(id, 2, 2)]);
    expect([await attachmentsCell(id, 1), await attachmentsCell(id, 2)]).toEqual([null, null]);
    expect((await storedPage(id)).map((m) => "attachments" in m)).toEqual([false, false]);
  });
});
