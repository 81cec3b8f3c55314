/** The moderation queue's storage in workerd: resolutions, and the retention sweep's rule. */
import { describe, expect, it } from "vitest";
import type { Report } from "../../protocol/index.js";
import { message } from "../support/messages.js";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();

function filed(seq: number, at: number): Report {
  return {
    id: crypto.randomUUID(),
    conversationId: "d:conversation",
    reporterId: "alice",
    reportedUserId: "bob",
    seq,
    reason: "spam",
    at,
    message: message(seq, { conversationId: "d:conversation", sentAt: at }),
    context: [],
  } as Report;
}

describe("ReportStore", () => {
  it("deletes a report a retention after its last change: filing, or its resolution", async () => {
    const store = await (await host.object()).open("reportStore");
    const [old, resolvedLater, recent] = [filed(1, 1_000), filed(2, 1_000), filed(3, 4_000)];
    for (const report of [old, resolvedLater, recent]) await store.file(report);
    await store.resolve(resolvedLater.id, { outcome: "dismissed", at: 5_000 });
    expect(await store.sweep(3_000, Number.MAX_SAFE_INTEGER)).toBe(2);
    const ids = async () => (await store.page({ after: 0, limit: 10, status: "all" })).reports.map((r) => r.id);
    expect(await ids()).toEqual([resolvedLater.id, recent.id]);
    expect(await store.sweep(6_000, Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(await ids()).toEqual([]);
  });

  it("keeps what origin has not confirmed, however old", async () => {
    const store = await (await host.object()).open("reportStore");
    const [first, second] = [filed(1, 1_000), filed(2, 1_000)];
    for (const report of [first, second]) await store.file(report);
    expect(await store.sweep(9_000, 1)).toBe(1);
    expect((await store.page({ after: 0, limit: 10, status: "all" })).reports.map((r) => r.id)).toEqual([second.id]);
  });

  it("never gives a position twice, even after the sweep deleted the newest reports and the object restarted", async () => {
    const object = await host.object();
    const store = await object.open("reportStore");
    for (const report of [filed(1, 1_000), filed(2, 1_000)]) await store.file(report);
    const cursor = (await store.page({ after: 0, limit: 10, status: "all" })).next;
    expect(await store.sweep(9_000, Number.MAX_SAFE_INTEGER)).toBe(0);
    const restarted = await object.open("reportStore");
    const later = filed(3, 10_000);
    await restarted.file(later);
    const page = await restarted.page({ after: Number(cursor), limit: 10, status: "all" });
    expect(page.reports.map((r) => r.id)).toEqual([later.id]);
  });

  it("lists by status, and a resolution survives a restart with the first one standing", async () => {
    const object = await host.object();
    const store = await object.open("reportStore");
    const [open, done] = [filed(1, 1_000), filed(2, 1_000)];
    for (const report of [open, done]) await store.file(report);
    await store.resolve(done.id, { outcome: "actioned", note: "banned", at: 2_000 });
    const reopened = await object.open("reportStore");
    expect(await reopened.resolve(done.id, { outcome: "dismissed", at: 3_000 })).toMatchObject({
      resolution: { outcome: "actioned", note: "banned", at: 2_000 },
    });
    const idsOf = async (status: "open" | "resolved" | "all") =>
      (await reopened.page({ after: 0, limit: 10, status })).reports.map((r) => r.id);
    expect(await idsOf("open")).toEqual([open.id]);
    expect(await idsOf("resolved")).toEqual([done.id]);
    expect(await idsOf("all")).toEqual([open.id, done.id]);
    expect(await reopened.resolve(crypto.randomUUID(), { outcome: "dismissed", at: 3_000 })).toBeNull();
  });
});
