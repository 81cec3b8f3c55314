/**
 * Chaos that SIGKILLs the shared Kafka and Cassandra (scripts/services.mjs). Every other origin test depends on
 * them, so this file must run alone (see docs/reliability.md, "In the test suite"), and it always starts them
 * again and waits until they serve, whatever happened: in the fault's own finally block and once more here.
 */
import { afterAll, describe, expect, it } from "vitest";
import { runScenario } from "../../bench/chaos/run.js";
import { servicesLib } from "../../bench/chaos/services.js";
import { chaosOptions, expectHeld, progress } from "./support.js";

afterAll(async () => {
  const lib = await servicesLib();
  await Promise.all([lib.startKafka(), lib.startCassandra()]);
}, 240_000);

describe("chaos in the shared servers", () => {
  it("kafka-kill: the broker SIGKILLed under traffic; ingest refuses, the edge holds, every message lands in Cassandra once", async () => {
    const { say, lines } = progress();
    const result = await runScenario("kafka-kill", chaosOptions("kafka-kill"), say);
    expectHeld(result, lines);
    expect(result.audit.stored?.rows, lines.join("\n")).toBe(result.audit.acked);
  }, 240_000);

  it("cassandra-kill: Cassandra SIGKILLed under traffic; the persister retries without committing, then stores every message once", async () => {
    const { say, lines } = progress();
    const result = await runScenario("cassandra-kill", chaosOptions("cassandra-kill"), say);
    expectHeld(result, lines);
    expect(result.audit.stored?.rows, lines.join("\n")).toBe(result.audit.acked);
  }, 240_000);
});
