/**
 * Chaos at the edge alone (bench/chaos, bounded): only this file's own workerd is killed, so it may run
 * alongside other test files. Each run audits every acked message on every member device.
 */
import { describe, expect, it } from "vitest";
import { runAbuse } from "../../bench/chaos/abuse-run.js";
import { runScenario } from "../../bench/chaos/run.js";
import { chaosOptions, expectHeld, progress } from "./support.js";

describe("chaos at the edge", () => {
  it("edge-kill: after workerd is SIGKILLed mid-traffic, every acked message reaches every member device once, in order", async () => {
    const { say, lines } = progress();
    const result = await runScenario("edge-kill", chaosOptions("edge-kill"), say);
    expectHeld(result, lines);
    // The kill must land while sends are in flight, or it proves nothing about them.
    expect(Number(result.details.unackedAtKill), lines.join("\n")).toBeGreaterThan(0);
  }, 150_000);

  it("socket-drops: devices that lose their socket, also between a send and its ack, end with every message once", async () => {
    const { say, lines } = progress();
    const result = await runScenario("socket-drops", chaosOptions("socket-drops"), say);
    expectHeld(result, lines);
    expect(Number(result.details.dropsAfterSend), lines.join("\n")).toBeGreaterThan(0);
  }, 150_000);

  it("abuse: garbage frames, oversized bodies, forged tokens, stranger probes, made-up ids and big-group typing floods leave legitimate traffic correct and fast", async () => {
    const { say, lines } = progress();
    const result = await runAbuse(
      chaosOptions("abuse", { abuseSockets: 20, abuseRate: 300, abuseForS: 6, maxP99Ms: 2000 }),
      say,
    );
    expectHeld(result, lines);
    expect(result.flood.forged).toBeGreaterThan(0);
    expect(result.flood.errors).toBeGreaterThan(0);
    expect(result.flood.probes).toBeGreaterThan(0);
    expect(result.flood.groupTyping).toBeGreaterThan(0);
    expect(result.objectsCreated).toBe(0);
  }, 150_000);
});
