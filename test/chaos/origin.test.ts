/**
 * Chaos in the origin pipeline that only touches this file's own processes (ingest in-process, the persister
 * as a child): the shared Kafka and Cassandra keep running, so this file may run alongside others. Each run
 * has its own keyspace, topic prefix and Redis prefix, dropped afterwards.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioResult } from "../../bench/chaos/run.js";
import { chaosOptions, expectHeld, progress } from "./support.js";

const OUTAGE_S = 5;
/** chaosOptions sets OUTBOX_RETRY_MS=200: 200, 400, 800, 1600, 3200 ms between attempts fit 5 in the outage. */
const MAX_ATTEMPTS_WITH_BACKOFF = 7;

describe("origin-stop: ingest down for a while under traffic", () => {
  const { say, lines } = progress();
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await runScenario("origin-stop", chaosOptions("origin-stop", { outageS: OUTAGE_S }), say);
  }, 180_000);

  it("the edge keeps chatting; afterwards Cassandra holds every message once", () => {
    expectHeld(result, lines);
    expect(result.audit.stored?.rows, lines.join("\n")).toBe(result.audit.acked);
  });

  it("conversations back off while origin refuses, instead of retrying at the fan-out pace", () => {
    // Found by this scenario: the Conversation's alarm force-kicks its forwarder every FANOUT_RETRY_MS while
    // messages are unforwarded, overriding the forwarder's exponential backoff (OUTBOX_RETRY_MS up to 5 min).
    expect(Number(result.details.conversationsRetrying), lines.join("\n")).toBeGreaterThan(0);
    expect(Number(result.details.maxAttemptsPerConversation), lines.join("\n")).toBeLessThanOrEqual(
      MAX_ATTEMPTS_WITH_BACKOFF,
    );
  });
});

describe("persister-kill", () => {
  it("a persister SIGKILLed under traffic loses nothing; its successor stores every message once", async () => {
    const { say, lines } = progress();
    const result = await runScenario("persister-kill", chaosOptions("persister-kill"), say);
    expectHeld(result, lines);
    expect(result.audit.stored?.rows, lines.join("\n")).toBe(result.audit.acked);
  }, 180_000);
});
