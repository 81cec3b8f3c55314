/**
 * Origin keeps a group's changes (protocol/safety.ts): an entry with `system` and an empty body is stored through Kafka
 * and the persister like a message, and history pages from Cassandra show it as the edge's history does, between the
 * messages, so a member paging back past what the edge keeps still sees who joined, left or renamed the group.
 */
import { describe, expect, it } from "vitest";
import type { MessageEvent } from "../../../protocol/events.js";
import type { HistoryPage } from "../../../protocol/message.js";
import type { SystemEvent } from "../../../protocol/safety.js";
import { ingest, messageEvents, persisterCaughtUp, signedFetch, useOriginRun, waitFor } from "../support.js";

const run = useOriginRun("system", { processes: { origin: "ingest,persister" } });

/** The change `system` at `seq`, made by alice. */
function change(conversationId: string, seq: number, system: SystemEvent): MessageEvent {
  const [entry] = messageEvents(conversationId, seq, seq);
  return { ...entry!, clientMsgId: `system-${seq}`, body: "", system };
}

describe("changes of a group at origin", () => {
  it("history from Cassandra shows them between the messages, as forwarded", async () => {
    const id = "g-changes";
    const events = [
      ...messageEvents(id, 1, 1),
      change(id, 2, { kind: "added", users: ["bob"] }),
      change(id, 3, { kind: "renamed", title: "weekend" }),
      ...messageEvents(id, 4, 4),
      change(id, 5, { kind: "left" }),
    ];
    expect((await ingest(run.origin.url, events)).status).toBe(200);
    await waitFor("the entries persisted", () => persisterCaughtUp(run.config), 30_000, 200);
    const res = await signedFetch(run.origin.url, "GET", `/v1/history/${id}`);
    const { messages } = (await res.json()) as HistoryPage;
    expect(messages).toEqual(events.map(({ kind: _kind, ...message }) => message));
    expect(messages.map((m) => m.system?.kind ?? null)).toEqual([null, "added", "renamed", null, "left"]);
  });

  it("refuses at ingest a change with a body, and keeps the rest of the batch", async () => {
    const id = "g-bad-change";
    const bad = { ...change(id, 1, { kind: "left" }), body: "sneaky" };
    const reply = await ingest(run.origin.url, [bad, ...messageEvents(id, 2, 2)]);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ rejected: 1 });
  });
});
