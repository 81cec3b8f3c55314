/**
 * A message to a group of 1,024 members with 10 online: 1,013 coalesced notifications (everyone but the sender and
 * the online ones), each sent once, with the sends bounded by PUSH_SEND_CONCURRENCY; and a small conversation's
 * notification, arriving just after, is not held behind the big group's (sends take turns by conversation).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushPayload } from "../../../origin/push/notify.js";
import { mapLimit } from "../../../origin/shared/map-limit.js";
import { DEFAULT_MAX_GROUP_MEMBERS } from "../../../protocol/limits.js";
import type { TestSubscription } from "./local-push-service.js";
import { startPushRun, type PushRun } from "./push-run.js";
import { ingest, membersEvent, pushEvents, testEnv, waitFor } from "../support.js";

const SEND_CONCURRENCY = 4;
/** Each push service answer waits this long: 1,013 sends take ~5 s, long enough for a queue to show. */
const ANSWER_DELAY_MS = 20;
let run: PushRun;

beforeAll(async () => {
  run = await startPushRun(
    testEnv("push_fanout", {
      PUSH_COALESCE_MS: "300",
      PUSH_SEND_CONCURRENCY: String(SEND_CONCURRENCY),
      PUSH_ALLOW_INSECURE_ENDPOINTS: "1",
    }),
    ANSWER_DELAY_MS,
  );
});

afterAll(async () => {
  await run?.stop();
});

describe("a big group's fan-out", () => {
  it(
    "notifies the 1,013 offline members of a 1,024-member group once each, and a small conversation's member meanwhile",
    { timeout: 120_000 },
    async () => {
      const members = Array.from({ length: DEFAULT_MAX_GROUP_MEMBERS }, (_, i) => `g${i}`);
      const [sender, ...others] = members as [string, ...string[]];
      const online = others.slice(0, 10);
      const offline = others.slice(10);
      const subs = new Map<string, TestSubscription>();
      await mapLimit([...members, "solo"], 32, async (userId) => {
        const sub = run.pushService.subscribe(`/${userId}`);
        subs.set(userId, sub);
        expect((await run.store.add(userId, sub.subscription)).ok).toBe(true);
      });
      const at = Date.now();
      const leases = online.map((userId) => ({ kind: "presence", userId, online: true, at, leaseMs: 60_000 }));
      expect((await ingest(run.origin.url, leases)).status).toBe(200);

      const [, groupMessage] = pushEvents("big-group", [], { senderId: sender });
      expect((await ingest(run.origin.url, [membersEvent("big-group", 1, members), groupMessage])).status).toBe(200);
      expect((await ingest(run.origin.url, pushEvents("small-chat", ["solo"]))).status).toBe(200);

      await waitFor(
        "1,014 notifications",
        async () => run.pushService.requests.length >= offline.length + 1,
        60_000,
        200,
      );
      // Once a window had time to open and close again, nothing more came.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(run.pushService.requests).toHaveLength(offline.length + 1);
      for (const userId of offline) expect(run.pushService.requestsTo(`/${userId}`), userId).toHaveLength(1);
      for (const userId of [sender, ...online]) expect(run.pushService.requestsTo(`/${userId}`), userId).toEqual([]);
      const [last] = run.pushService.requestsTo(`/${offline.at(-1)}`);
      expect(JSON.parse(subs.get(offline.at(-1)!)!.decrypt(last!.body)) as PushPayload).toEqual({
        conversationId: "big-group",
        senderId: sender,
        preview: "message 1",
        count: 1,
        seq: 1,
      });
      expect(run.pushService.maxInFlight).toBeLessThanOrEqual(SEND_CONCURRENCY);

      // In arrival order the small conversation's push is among the first, not behind the group's 1,013.
      const soloAt = run.pushService.requests.findIndex((r) => r.path === "/solo");
      expect(soloAt).toBeGreaterThanOrEqual(0);
      expect(soloAt).toBeLessThan(100);
    },
  );
});
