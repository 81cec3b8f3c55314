/** A search's state: pages newest first, more from the last seq shown, and no late answer of an older search. */
import { describe, expect, it } from "vitest";
import type { ChatApi } from "../../client/api.js";
import type { Message, SearchPage } from "../../protocol/message.js";
import { Search } from "../../web/state/search.js";

const msg = (seq: number): Message => ({
  conversationId: "c1",
  seq,
  senderId: "bob",
  clientMsgId: `k${seq}`,
  body: `m${seq}`,
  sentAt: seq,
});

/** An API whose answers the test releases one by one, recording what was asked. */
function fakeApi() {
  const asked: { q: string; before?: number }[] = [];
  const answers: ((page: SearchPage) => void)[] = [];
  const api = {
    search: (_id: string, q: string, page: { before?: number }) => {
      asked.push({ q, ...page });
      return new Promise<SearchPage>((resolve) => answers.push(resolve));
    },
  } as unknown as ChatApi;
  const host = { api, guard: <T>(work: Promise<T>) => work, changed: () => undefined };
  return { host, asked, answer: (i: number, page: SearchPage) => answers[i]!(page) };
}

describe("search", () => {
  it("lists results newest first and asks for more before the last one shown", async () => {
    const { host, asked, answer } = fakeApi();
    const search = new Search(host, "c1");
    const first = search.run(" trail ");
    answer(0, { messages: [msg(9), msg(5)], hasMore: true });
    await first;
    const more = search.more();
    answer(1, { messages: [msg(2)], hasMore: false });
    await more;
    expect(asked).toEqual([{ q: "trail" }, { q: "trail", before: 5 }]);
    expect(search.results.map((m) => m.seq)).toEqual([9, 5, 2]);
    expect(search.hasMore).toBe(false);
  });

  it("drops the late answer of a search the person already replaced", async () => {
    const { host, answer } = fakeApi();
    const search = new Search(host, "c1");
    const old = search.run("old");
    const current = search.run("new");
    answer(1, { messages: [msg(3)], hasMore: false });
    answer(0, { messages: [msg(8)], hasMore: true });
    await Promise.all([old, current]);
    expect(search.results.map((m) => m.seq)).toEqual([3]);
    expect(search.busy).toBe(false);
    await search.run("  ");
    expect(search.results).toEqual([]);
  });
});
