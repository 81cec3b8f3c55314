/**
 * The persister's handler (pure, on fakes): a batch is handled only once its log entries (messages and actions, in
 * order), its members snapshots and the dead letters of its malformed records are all written; any write failing answers that failure, so that the
 * consumer hands the whole batch again and commits nothing meanwhile.
 */
import { describe, expect, it } from "vitest";
import type { MembersSnapshot } from "../../../origin/members/members-store.js";
import type { ConversationRecord } from "../../../origin/message-log/conversation-record.js";
import { deadLetterRecord } from "../../../origin/message-log/dead-letter.js";
import type { LogRecord } from "../../../origin/message-log/message-log.js";
import type { LogEntry } from "../../../origin/message-store/message-store.js";
import { persist } from "../../../origin/persister/persist.js";
import { fail, ok, type Result } from "../../../protocol/errors.js";
import { consumedBatch } from "../message-log/consumed-batch.js";
import { actionEvent, membersEvent, messageEvents } from "../support.js";

/** Stores that record what they were given, each answering `answer`. */
function fakeStores(answer: { messages?: Result<void>; members?: Result<void>; letters?: Result<void> } = {}) {
  const written = { messages: [] as LogEntry[], snapshots: [] as MembersSnapshot[], letters: [] as LogRecord[] };
  const deps = {
    messages: {
      upsert: async (entries: readonly LogEntry[]) => (
        written.messages.push(...entries),
        answer.messages ?? ok(undefined)
      ),
      page: async () => ok({ messages: [], hasMore: false }),
      search: async () => ok({ messages: [], hasMore: false }),
      check: async () => ok(undefined),
    },
    members: {
      save: async (snapshots: readonly MembersSnapshot[]) => (
        written.snapshots.push(...snapshots),
        answer.members ?? ok(undefined)
      ),
      get: async () => ok(null),
    },
    messageLog: {
      append: async (records: readonly LogRecord[]) => (
        written.letters.push(...records),
        answer.letters ?? ok(undefined)
      ),
      check: async () => ok(undefined),
      close: async () => undefined,
    },
  };
  return { deps, written };
}

const letter = deadLetterRecord({
  reason: "record value is not JSON",
  service: "persister",
  payload: "{",
  source: { topic: "t", partition: 0, offset: "3" },
  at: 0,
});

describe("persist", () => {
  it("writes the batch's log entries in order, members snapshots and dead letters, then answers ok", async () => {
    const { deps, written } = fakeStores();
    const [first, second] = messageEvents("c", 1, 2);
    const edit = actionEvent("c", 3, { kind: "edit", target: 1, body: "fixed", editedAt: 5 });
    const snapshot = membersEvent("c", 1, ["alice", "bob"]);
    const records: ConversationRecord[] = [snapshot, first!, second!, edit];
    const answer = await persist(deps)(consumedBatch(records, [{ offset: "4", letter }]));
    expect(answer).toEqual({ ok: true, value: undefined });
    expect(written.messages).toEqual([first, second, edit]);
    expect(written.snapshots).toEqual([snapshot]);
    expect(written.letters).toEqual([letter]);
  });

  it.each(["messages", "members", "letters"] as const)("answers the failure when the %s write fails", async (which) => {
    const down = fail("unavailable", `${which} down`);
    const { deps } = fakeStores({ [which]: down });
    const answer = await persist(deps)(
      consumedBatch<ConversationRecord>(
        [...messageEvents("c", 1, 1), membersEvent("c", 1, ["a"])],
        [{ offset: "3", letter }],
      ),
    );
    expect(answer).toEqual(down);
  });
});
