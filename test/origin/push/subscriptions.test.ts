/**
 * Push subscriptions are bounded: a user keeps at most PUSH_MAX_SUBSCRIPTIONS_PER_USER (one more replaces the oldest),
 * since every missed message costs a send (an ECDH each) per subscription; a process has at most PUSH_SEND_CONCURRENCY
 * sends in flight; and a subscription refused PUSH_MAX_REJECTIONS times in a row is removed (404/410 at once, 429
 * never), rather than pushed to forever.
 */
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushRun, type PushRun } from "./push-run.js";
import { ingest, pushEvents, signedFetch, testEnv, waitFor } from "../support.js";

const SEND_CONCURRENCY = 2;
let run: PushRun;

beforeAll(async () => {
  // Answers wait a little, so that sends overlap and the push service sees how many arrive at once.
  run = await startPushRun(
    testEnv("push_subs", {
      PUSH_COALESCE_MS: "50",
      PUSH_SEND_CONCURRENCY: String(SEND_CONCURRENCY),
      PUSH_ALLOW_INSECURE_ENDPOINTS: "1",
    }),
    100,
  );
});

afterAll(async () => {
  await run?.stop();
});

async function subscribe(userId: string, path: string, status = 201): Promise<void> {
  const sub = run.pushService.subscribe(path, status);
  const res = await signedFetch(
    run.origin.url,
    "POST",
    "/v1/push/subscriptions",
    JSON.stringify({ userId, subscription: sub.subscription }),
  );
  expect(res.status).toBe(201);
}

/** A message of bob's in `conversationId`, whose other members are `recipients`. */
async function messageTo(conversationId: string, ...recipients: string[]): Promise<void> {
  expect((await ingest(run.origin.url, pushEvents(conversationId, recipients))).status).toBe(200);
}

/** Each stored subscription of the user, by path, with its count of refusals in a row. */
async function stored(userId: string): Promise<Record<string, number>> {
  const list = await run.store.list(userId);
  if (!list.ok) throw new Error(list.error.message);
  return Object.fromEntries(list.value.map((s) => [new URL(s.endpoint).pathname, s.rejections]));
}

const paths = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `/${prefix}-${i}`);

describe("push subscriptions", () => {
  it(`sends at most PUSH_SEND_CONCURRENCY (${SEND_CONCURRENCY}) pushes at once across notifications`, async () => {
    for (const path of paths("victor", 4)) await subscribe("victor", path);
    for (const path of paths("wendy", 4)) await subscribe("wendy", path);
    await messageTo("conv-v", "victor");
    await messageTo("conv-w", "wendy");
    await waitFor("8 pushes", async () =>
      [...paths("victor", 4), ...paths("wendy", 4)].every((p) => run.pushService.requestsTo(p).length === 1),
    );
    expect(run.pushService.maxInFlight).toBe(SEND_CONCURRENCY);
  });

  it("keeps at most PUSH_MAX_SUBSCRIPTIONS_PER_USER (10): the 11th and 12th replace the oldest, which get no push", async () => {
    const all = paths("ursula", 12);
    for (const path of all) await subscribe("ursula", path);
    expect(Object.keys(await stored("ursula")).sort()).toEqual(all.slice(2).sort());
    const rows = await run.backends.cassandra.execute(
      `SELECT COUNT(*) AS n FROM ${run.config.cassandra.keyspace}.push_subscriptions WHERE user_id = ?`,
      ["ursula"],
      { prepare: true },
    );
    expect(Number(rows.first().get("n"))).toBe(10);

    await messageTo("conv-u", "ursula");
    await waitFor("a push to each of the newest 10", async () =>
      all.slice(2).every((p) => run.pushService.requestsTo(p).length === 1),
    );
    expect(all.slice(0, 2).map((p) => run.pushService.requestsTo(p))).toEqual([[], []]);
  });

  it("removes a subscription refused 3 times in a row (403), one answered 404 at once, and keeps one answered 429", async () => {
    for (const [path, status] of [
      ["/y-403", 403],
      ["/y-404", 404],
      ["/y-429", 429],
      ["/y-flaky", 400],
      ["/y-ok", 201],
    ] as const)
      await subscribe("yvonne", path, status);
    // "/y-flaky" is refused three times, but never three times in a row: it stays.
    const rounds = [
      { flaky: 400, after: { "/y-403": 1, "/y-429": 0, "/y-flaky": 1, "/y-ok": 0 } },
      { flaky: 400, after: { "/y-403": 2, "/y-429": 0, "/y-flaky": 2, "/y-ok": 0 } },
      { flaky: 201, after: { "/y-429": 0, "/y-flaky": 0, "/y-ok": 0 } },
      { flaky: 400, after: { "/y-429": 0, "/y-flaky": 1, "/y-ok": 0 } },
    ];
    for (const [i, round] of rounds.entries()) {
      run.pushService.answer("/y-flaky", round.flaky);
      await messageTo(`conv-y${i}`, "yvonne");
      await waitFor(`round ${i + 1} recorded`, async () => isDeepStrictEqual(await stored("yvonne"), round.after));
    }
    await waitFor(
      "the last round's pushes",
      async () => run.pushService.requestsTo("/y-ok").length === 4 && run.pushService.requestsTo("/y-429").length === 4,
    );
    expect(run.pushService.requestsTo("/y-404")).toHaveLength(1);
    expect(run.pushService.requestsTo("/y-403")).toHaveLength(3);
  });
});
