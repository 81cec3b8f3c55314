/**
 * One alarm per object (shared/alarm.ts): every concern is asked at every alarm, then one alarm is set at the earliest
 * wake any concern wants; a wake that changes nothing (an alarm at or before it is set) writes nothing.
 */
import { describe, expect, it } from "vitest";
import { AlarmArbiter, type AlarmConcern } from "../../durable-objects/shared/alarm.js";

function storage(armed: number | null = null) {
  const writes: number[] = [];
  return {
    writes,
    getAlarm: async () => armed,
    setAlarm: async (time: number | Date) => void writes.push(Number(time)),
  };
}

/** A concern that wants the alarm at `wake` and records when it was asked to do its work. */
function concern(
  wake: number | null,
  ran: string[],
  name: string,
  after: number | null = null,
): AlarmConcern & { wake: number | null } {
  return {
    wake,
    nextWake() {
      return this.wake;
    },
    runDue() {
      ran.push(name);
      this.wake = after;
    },
  };
}

describe("alarm arbiter", () => {
  it("sets the alarm at the earliest wake, and writes nothing while an alarm at or before it is set", async () => {
    const store = storage();
    const arbiter = new AlarmArbiter(store);
    const a = concern(5_000, [], "a");
    const b = concern(null, [], "b");
    arbiter.register(a, b);
    await arbiter.reschedule();
    b.wake = 9_000;
    await arbiter.reschedule();
    b.wake = 5_000;
    await arbiter.reschedule();
    b.wake = 2_000;
    await arbiter.reschedule();
    expect(store.writes).toEqual([5_000, 2_000]);
  });

  it("reads the alarm a restarted object already has before writing one", async () => {
    const store = storage(1_000);
    const arbiter = new AlarmArbiter(store);
    arbiter.register(concern(3_000, [], "a"));
    await arbiter.reschedule();
    expect(store.writes).toEqual([]);
  });

  it("asks every concern at each alarm, in order, then sets one alarm at the earliest next wake", async () => {
    const ran: string[] = [];
    const store = storage();
    const arbiter = new AlarmArbiter(store);
    arbiter.register(
      concern(null, ran, "push", 9_000),
      concern(Date.now(), ran, "safety", Date.now() + 30_000),
      concern(null, ran, "prune"),
    );
    await arbiter.fire();
    expect(ran).toEqual(["push", "safety", "prune"]);
    expect(store.writes).toEqual([9_000]);
  });

  it("sets no alarm when no concern wants one", async () => {
    const store = storage();
    const arbiter = new AlarmArbiter(store);
    arbiter.register(concern(Date.now(), [], "a"));
    await arbiter.fire();
    expect(store.writes).toEqual([]);
  });

  it("while an alarm runs, arms nothing for the wakes it is handling, only for what is asked meanwhile", async () => {
    const store = storage();
    const arbiter = new AlarmArbiter(store);
    const due = concern(Date.now() - 1, [], "due");
    let release!: () => void;
    const slow: AlarmConcern = { nextWake: () => null, runDue: () => new Promise<void>((r) => (release = r)) };
    const asked = concern(null, [], "asked");
    arbiter.register(slow, due, asked);
    const firing = arbiter.fire();
    await arbiter.reschedule();
    expect(store.writes).toEqual([]);
    asked.wake = Date.now() + 30_000;
    await arbiter.reschedule();
    expect(store.writes).toEqual([asked.wake]);
    release();
    await firing;
  });
});
