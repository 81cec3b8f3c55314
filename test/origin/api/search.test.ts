/**
 * `POST /v1/search` as the edge calls it: signed, `{q, conversations, limit}` → `{messages, hasMore}` from what the
 * persister stored; a request that is not signed, or whose body is not a search, is refused before anything is read;
 * while Cassandra is unreachable the answer is 503, which the edge reports as unavailable.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { openBackends } from "../../../origin/backends.js";
import { SEARCH_BUDGET_MS } from "../../../origin/api/search-route.js";
import type { SearchPage } from "../../../protocol/message.js";
import { MAX_SEARCH_CONVERSATIONS } from "../../../protocol/search.js";
import {
  actionEvent,
  closedPort,
  configOf,
  countMessages,
  ingest,
  log,
  messageEvents,
  signedFetch,
  startProcess,
  useOriginRun,
  waitFor,
} from "../support.js";

const run = useOriginRun("search_api", { processes: { origin: "ingest,persister" } });

beforeAll(async () => {
  const [hello, plans] = messageEvents("api-a", 1, 2);
  const [other] = messageEvents("api-b", 1, 1, "bob");
  const events = [
    { ...hello!, body: "Café tomorrow?" },
    { ...plans!, body: "no plans for tomorrow" },
    { ...other!, body: "the CAFE is new" },
    actionEvent("api-a", 3, { kind: "delete", target: 2 }),
  ];
  expect((await ingest(run.origin.url, events)).status).toBe(200);
  await waitFor("the messages stored", async () => {
    const [a, b] = await Promise.all([
      countMessages(run.backends, run.config, "api-a", 3),
      countMessages(run.backends, run.config, "api-b", 1),
    ]);
    return a === 3 && b === 1;
  });
});

const search = (body: unknown, url = run.origin.url) =>
  signedFetch(url, "POST", "/v1/search", typeof body === "string" ? body : JSON.stringify(body));

async function expectBadRequest(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect((await res.json()).error.code).toBe("bad_request");
}

describe("POST /v1/search", () => {
  it("answers the messages with every word in the listed conversations, newest first, in their current state", async () => {
    // Sent at the same time: ordered by conversation.
    const res = await search({ q: "cafe", conversations: ["api-a", "api-b"], limit: 10 });
    expect(res.status).toBe(200);
    const page = (await res.json()) as SearchPage;
    expect(page).toEqual({
      messages: [
        {
          conversationId: "api-a",
          seq: 1,
          senderId: "alice",
          clientMsgId: "c-1",
          body: "Café tomorrow?",
          sentAt: 1_700_000_000_001,
        },
        {
          conversationId: "api-b",
          seq: 1,
          senderId: "bob",
          clientMsgId: "c-1",
          body: "the CAFE is new",
          sentAt: 1_700_000_000_001,
        },
      ],
      hasMore: false,
    });
    const deleted = await search({ q: "plans", conversations: ["api-a"], limit: 10 });
    expect(await deleted.json()).toEqual({ messages: [], hasMore: false });
    const one = await search({ q: "tomorrow cafe", conversations: ["api-b", "api-a"], limit: 1 });
    expect(((await one.json()) as SearchPage).messages.map((m) => m.conversationId)).toEqual(["api-a"]);
  });

  it("refuses an unsigned request, and one signed for another body, with 401", async () => {
    const body = JSON.stringify({ q: "cafe", conversations: ["api-a"], limit: 10 });
    const unsigned = await fetch(`${run.origin.url}/v1/search`, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    const moved = await signedFetch(run.origin.url, "POST", "/v1/search", body, { signedBody: "{}" });
    expect(moved.status).toBe(401);
    expect((await moved.json()).error.code).toBe("unauthorized");
  });

  it("refuses a body that is not a search with 400 and the protocol's error", async () => {
    await expectBadRequest(await search("{not json"));
    await expectBadRequest(await search({ q: "cafe", limit: 10 }));
    await expectBadRequest(await search({ q: "cafe", conversations: [], limit: 10 }));
    await expectBadRequest(await search({ q: "cafe", conversations: ["api-a"], limit: 0 }));
    await expectBadRequest(await search({ q: "cafe", conversations: ["api-a"], limit: 51 }));
    await expectBadRequest(await search({ q: "?!", conversations: ["api-a"], limit: 10 }));
    await expectBadRequest(await search({ q: "cafe", conversations: ["no spaces allowed"], limit: 10 }));
    const tooMany = Array.from({ length: MAX_SEARCH_CONVERSATIONS + 1 }, (_, i) => `c-${i}`);
    await expectBadRequest(await search({ q: "cafe", conversations: tooMany, limit: 10 }));
  });

  it("searches up to a thousand conversations, the first listed first, and answers within its time budget", async () => {
    const many = Array.from({ length: MAX_SEARCH_CONVERSATIONS - 1 }, (_, i) => `empty-${i}`);
    const started = Date.now();
    const res = await search({ q: "cafe", conversations: ["api-b", ...many], limit: 10 });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(SEARCH_BUDGET_MS + 2_000);
    // hasMore is true only if the budget ran out before every conversation was searched (a slow Cassandra).
    const page = (await res.json()) as SearchPage;
    expect(page.messages.map((m) => m.conversationId)).toEqual(["api-b"]);
  });

  it("answers 503 while Cassandra is unreachable", { timeout: 30_000 }, async () => {
    const unreachable = configOf({ ...run.env, CASSANDRA_CONTACT_POINTS: `127.0.0.1:${await closedPort()}` });
    const unreachableBackends = openBackends(unreachable, log);
    const blocked = await startProcess(unreachable, "ingest", unreachableBackends);
    try {
      const res = await search({ q: "cafe", conversations: ["api-a"], limit: 10 }, blocked.url);
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe("unavailable");
    } finally {
      await blocked.stop();
      await unreachableBackends.close();
    }
  });
});
