/**
 * Pushing a conversation's messages to its members' sessions (conversation/push.ts), against an in-memory log: every
 * live member but the sender gets each message once, in ascending batches; a member whose session has no device is
 * not called again until it attaches; a failed call leaves the member where it was, for the retry.
 */
import { describe, expect, it } from "vitest";
import { newMember, type Member } from "../../durable-objects/conversation/model.js";
import { Push, type PushStore } from "../../durable-objects/conversation/push.js";
import { Receipts } from "../../durable-objects/conversation/receipts.js";
import type { RecentMessage } from "../../durable-objects/conversation/store.js";
import type { Delivery, DeliveryAnswer } from "../../durable-objects/rpc.js";
import { ok, type Result } from "../../protocol/index.js";

function member(userId: string): Member {
  return newMember(userId, 0, {
    untilSeq: null,
    infoVersion: 1,
    role: "member",
    invitedBy: null,
    joinedSeq: 0,
    mutedUntil: null,
  });
}

/** A group's log in memory, with what PushStore reads of it. */
function group(...userIds: string[]) {
  const log: RecentMessage[] = [];
  const store: PushStore & { append(senderId: string): void } = {
    info: {
      id: "g:1",
      kind: "group",
      title: "t",
      creator: userIds[0]!,
      createdAt: 0,
      version: 1,
      history: "all",
      mutes: 0,
    },
    members: new Map(userIds.map((id) => [id, member(id)])),
    get lastSeq() {
      return log.length;
    },
    currentMembers: () => userIds.filter((id) => store.members.get(id)?.untilSeq === null),
    messagesAfter: (after, until, limit) => log.slice(after, Math.min(until, after + limit)),
    confirmInfo: (m, version) => void (m.infoVersion = Math.max(m.infoVersion, version)),
    view: () => ({
      ...store.info!,
      members: store.currentMembers(),
      admins: [userIds[0]!],
      invited: [],
    }),
    visibleFrom: () => 1,
    append(senderId) {
      const seq = log.length + 1;
      log.push({ seq, senderId, json: JSON.stringify({ seq, senderId }) });
      store.members.get(senderId)!.lastOwnSeq = seq;
    },
  };
  return store;
}

type Answer = (userId: string, delivery: Delivery) => Promise<Result<DeliveryAnswer>>;
const live: Answer = async () => ok({ live: true, epoch: 0 });

/** A Push over `store` whose calls are recorded (who got which seqs) and answered by `answer`. */
function pushing(store: ReturnType<typeof group>, answer: Answer = live) {
  const calls: [string, number[]][] = [];
  const failures: string[] = [];
  const states = { saveSoon: () => undefined, touch: () => undefined };
  const receipts = new Receipts(store);
  receipts.recount();
  const push = new Push(
    store,
    states,
    receipts,
    (userId, delivery) => {
      calls.push([userId, delivery.messages?.map((m) => m.seq) ?? []]);
      return answer(userId, delivery);
    },
    (userId) => failures.push(userId),
  );
  const delivered = (userId: string) => calls.filter(([u]) => u === userId).flatMap(([, seqs]) => seqs);
  return { push, calls, failures, delivered };
}

describe("push: fan-out to live members", () => {
  it("hands each message to every live member once, in seq order, but never the sender its own", async () => {
    const store = group("alice", "bob", "carol");
    const { push, delivered } = pushing(store);
    for (let i = 0; i < 3; i++) store.append("alice");
    expect(await push.settle(["alice", "bob", "carol"], 1_000)).toBe(true);
    store.append("bob");
    expect(await push.settle(["alice", "bob", "carol"], 1_000)).toBe(true);
    expect(delivered("bob")).toEqual([1, 2, 3]);
    expect(delivered("carol")).toEqual([1, 2, 3, 4]);
    expect(delivered("alice")).toEqual([4]);
    expect(store.members.get("carol")!.deliveredSeq).toBe(4);
  });

  it("sends what arrives while a call is in flight in the next call: ascending batches, no overlap", async () => {
    const store = group("alice", "bob");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { push, calls } = pushing(store, async () => (await gate, ok({ live: true, epoch: 0 })));
    store.append("alice");
    push.kick();
    store.append("alice");
    store.append("alice");
    push.kick();
    release();
    await push.settle(["bob"], 1_000);
    expect(calls).toEqual([
      ["bob", [1]],
      ["bob", [2, 3]],
    ]);
  });

  it("stops calling a member whose session has no device, and pushes again once it attaches", async () => {
    const store = group("alice", "bob");
    let bobOnline = false;
    const { push, delivered } = pushing(store, async (userId) => ok({ live: userId !== "bob" || bobOnline, epoch: 0 }));
    store.append("alice");
    await push.settle(["bob"], 1_000);
    expect(store.members.get("bob")!.live).toBe(false);
    store.append("alice");
    await push.settle(["bob"], 1_000);
    expect(delivered("bob")).toEqual([1]);
    // Back with a device: what it missed it fetches itself; it is pushed what comes next.
    bobOnline = true;
    push.attached(store.members.get("bob")!, 1);
    store.append("alice");
    await push.settle(["bob"], 1_000);
    expect(delivered("bob")).toEqual([1, 3]);
  });

  it("lets no answer of an older connection undo a newer attach", async () => {
    const store = group("alice", "bob");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let answers = 0;
    // The first call is answered "no device" by the session's connection 1, late: a device of connection 2 attached meanwhile.
    const { push, delivered } = pushing(store, async () =>
      answers++ === 0 ? (await gate, ok({ live: false, epoch: 1 })) : ok({ live: true, epoch: 2 }),
    );
    store.append("alice");
    push.kick();
    push.attached(store.members.get("bob")!, 2);
    release();
    await push.settle(["bob"], 1_000);
    expect(store.members.get("bob")).toMatchObject({ live: true, epoch: 2 });
    store.append("alice");
    await push.settle(["bob"], 1_000);
    expect(delivered("bob")).toContain(2);
  });

  it("leaves a member whose call failed where it was: the retry hands it the same messages", async () => {
    const store = group("alice", "bob");
    let down = true;
    const { push, failures, delivered } = pushing(store, async () =>
      down ? Promise.reject(new Error("overloaded")) : ok({ live: true, epoch: 0 }),
    );
    store.append("alice");
    store.append("alice");
    expect(await push.settle(["bob"], 1_000)).toBe(false);
    expect(failures).toEqual(["bob"]);
    expect(push.pending()).toBe(true);
    down = false;
    expect(await push.settle(["bob"], 1_000)).toBe(true);
    expect(delivered("bob")).toEqual([1, 2, 1, 2]);
    expect(push.pending()).toBe(false);
  });

  it("counts a refusal answered as an error value like a failed call", async () => {
    const store = group("alice", "bob");
    const { push, failures } = pushing(store, async () => ({
      ok: false,
      error: { code: "internal", message: "internal error" },
    }));
    store.append("alice");
    expect(await push.settle(["bob"], 1_000)).toBe(false);
    expect(failures).toEqual(["bob"]);
    expect(store.members.get("bob")!.pushedSeq).toBe(0);
  });
});
