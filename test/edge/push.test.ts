/**
 * Pushes go to the members that have a device connected; a member without one is told nothing more until a device
 * comes back (it then attaches the conversation again and fetches what it missed). That state survives restarts:
 * a conversation does not rediscover who is gone by calling everyone again.
 */
import { describe, expect, it } from "vitest";
import type { MeterLine } from "../../durable-objects/shared/meter-line.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const lines: MeterLine[] = [];
const fx = useEdge({
  bindings: { ...HIGH_LIMITS, METER: "log" },
  onStdout: (l) => l.startsWith('{"meter":') && lines.push((JSON.parse(l) as { meter: MeterLine }).meter),
});

const deliveries = () => lines.filter((l) => l.class === "UserSession" && l.entry === "rpc:deliver").length;

describe("pushes to members with a device, pulls for the others", () => {
  it("stops pushing to a member whose devices are gone, and pushes again as soon as one connects", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const first = await bob.connect();
    await first.close();
    await alice.send(id, "m1", "while away");
    await alice.send(id, "m2", "still away");
    lines.length = 0;
    await alice.send(id, "m3", "away for good");
    expect(deliveries()).toBe(0);
    const back = await bob.connect();
    await expect
      .poll(
        async () => {
          await alice.send(id, `m-${Date.now()}`, "are you back?");
          return back.messages().length;
        },
        { timeout: 5_000 },
      )
      .toBeGreaterThan(0);
    await back.fetchAll(id, 0);
    expect(new Set(back.messages().map((m) => m.seq)).size).toBe(back.messages().at(-1)!.seq);
  });

  it("remembers across a restart who has no device, so a message after it calls no one in vain", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const away = await bob.connect();
    await away.close();
    await alice.send(id, "m1", "to nobody");
    await fx.edge.restart();
    lines.length = 0;
    await alice.send(id, "m2", "to nobody, after a restart");
    expect(deliveries()).toBe(0);
    const back = await bob.connect();
    await back.sync();
    await back.fetchAll(id, 0);
    expect(back.messages().map((m) => m.body)).toEqual(["to nobody", "to nobody, after a restart"]);
  });
});
