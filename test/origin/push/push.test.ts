/**
 * chat.messages → the push service → Web Push to a local push service. A message goes to its conversation's members
 * (from the `members` snapshots in the stream, else the stored one) who are neither its sender nor online: encrypted
 * for the subscription (decrypted here with its private key), VAPID-signed, coalesced per (user, conversation), and
 * gone subscriptions (410) removed from Cassandra. A message deleted for everyone is never shown once its delete
 * reached push, and actions notify nobody.
 */
import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStores, type RunningServices, type Stores } from "../../../origin/main.js";
import type { PushPayload } from "../../../origin/push/notify.js";
import { pushUnknownMembers } from "../../../origin/shared/metrics.js";
import { previewOf, type OriginEvent } from "../../../protocol/events.js";
import { LocalPushService, type TestSubscription } from "./local-push-service.js";
import {
  actionEvent,
  failedPushes,
  groupStable,
  ingest,
  log,
  membersEvent,
  pushEvents,
  readTopic,
  signedFetch,
  startProcess,
  useOriginRun,
  waitFor,
  withKafkaAdmin,
  type PushEventsOptions,
} from "../support.js";

const COALESCE_MS = 1_000;
const run = useOriginRun("push", {
  // The local push service speaks http on 127.0.0.1, which only this switch (or ORIGIN_DEV=1) allows.
  env: { PUSH_COALESCE_MS: String(COALESCE_MS), PUSH_ALLOW_INSECURE_ENDPOINTS: "1" },
});
let origin: RunningServices;
let push: RunningServices;
/** The stores as the services use them. */
let stores: Stores;
const pushService = new LocalPushService();

beforeAll(async () => {
  await pushService.start();
  origin = await startProcess(run.config, "ingest", run.backends);
  push = await startProcess(run.config, "push", run.backends);
  stores = openStores(run.config, run.backends, log);
  await groupStable(run.config, run.config.kafka.groups.push);
});

afterAll(async () => {
  await origin?.stop();
  await push?.stop();
  await stores?.close();
  await pushService.stop();
});

async function subscribe(userId: string, path: string, status = 201, location?: string): Promise<TestSubscription> {
  const sub = pushService.subscribe(path, status, location);
  const res = await signedFetch(
    origin.url,
    "POST",
    "/v1/push/subscriptions",
    JSON.stringify({ userId, subscription: sub.subscription }),
  );
  expect(res.status).toBe(201);
  return sub;
}

async function ingestOk(events: OriginEvent[]): Promise<void> {
  const res = await ingest(origin.url, events);
  expect(res.status).toBe(200);
}

/** A message of bob's (unless told) in `conversationId`, whose other members are `recipients`. */
const messageTo = (conversationId: string, recipients: string[], options: PushEventsOptions = {}) =>
  ingestOk(pushEvents(conversationId, recipients, options));

/** A message alone, after its conversation's members were sent. */
const message = (conversationId: string, seq: number, senderId = "bob") =>
  pushEvents(conversationId, [], { seq, senderId })[1];

const lease = (userId: string): OriginEvent => ({
  kind: "presence",
  userId,
  online: true,
  at: Date.now(),
  leaseMs: 60_000,
});

/** The payloads `sub` received at `path`. */
const payloadsAt = (path: string, sub: TestSubscription) =>
  pushService.requestsTo(path).map((r) => JSON.parse(sub.decrypt(r.body)) as PushPayload);

/** Lets a coalescing window that might have opened close, and its sends land: what "nothing was sent" waits for. */
const windowPassed = () => new Promise((r) => setTimeout(r, COALESCE_MS + 1_000));

/** Checks the VAPID JWT (RFC 8292): ES256 over header.payload with the origin's public key, audience = push service. */
function verifyVapid(authorization: string, endpoint: string): void {
  const [, token, key] = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization) ?? [];
  expect(key).toBe(run.config.push.vapid.publicKey);
  const point = Buffer.from(key!, "base64url");
  const publicKey = createPublicKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
  });
  const [header, payload, signature] = token!.split(".") as [string, string, string];
  expect(
    verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      { key: publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(signature, "base64url"),
    ),
  ).toBe(true);
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  expect(claims).toMatchObject({ aud: new URL(endpoint).origin, sub: run.config.push.vapid.subject });
}

describe("web push", () => {
  it("delivers an aes128gcm-encrypted, VAPID-signed notification with a preview of the body; the sender gets none", async () => {
    const phone = await subscribe("alice", "/alice-phone");
    await subscribe("bob", "/bob-phone");
    await messageTo("conv-1", ["alice"], { seq: 7, body: "Hi Alice, lunch at noon?" });

    const [request] = await waitFor(
      "the push request",
      async () => pushService.requestsTo("/alice-phone").length === 1 && pushService.requestsTo("/alice-phone"),
    );
    expect(request!.headers["content-encoding"]).toBe("aes128gcm");
    expect(request!.headers.ttl).toBe(String(run.config.push.ttlSeconds));
    expect(request!.headers.topic).toMatch(/^[\w-]{1,32}$/);
    verifyVapid(String(request!.headers.authorization), phone.subscription.endpoint);
    const payload = JSON.parse(phone.decrypt(request!.body)) as PushPayload;
    expect(payload).toEqual({
      conversationId: "conv-1",
      senderId: "bob",
      preview: "Hi Alice, lunch at noon?",
      count: 1,
      seq: 7,
    });
    await windowPassed();
    expect(pushService.requestsTo("/bob-phone")).toEqual([]);
  });

  it("shows only the first characters of a long body (previewOf), never the whole message", async () => {
    const tablet = await subscribe("amy", "/amy-tablet");
    const body = "a long message ".repeat(40);
    await messageTo("conv-long", ["amy"], { body });
    await waitFor("the push request", async () => pushService.requestsTo("/amy-tablet").length === 1);
    const [payload] = payloadsAt("/amy-tablet", tablet);
    expect(payload!.preview).toBe(previewOf(body));
    expect(payload!.preview.length).toBeLessThan(body.length);
  });

  it("notifies the members without presence only: not the sender, not a member holding a lease, not a non-member", async () => {
    const subs = Object.fromEntries(
      await Promise.all(
        ["sam", "olive", "oscar", "ella", "nora"].map(async (u) => [u, await subscribe(u, `/${u}`)] as const),
      ),
    );
    const at = Date.now();
    // olive holds a lease; ella held one and ended it (her last device went).
    await ingestOk([lease("olive"), lease("ella"), { kind: "presence", userId: "ella", online: false, at: at + 1 }]);
    await ingestOk([membersEvent("conv-p", 1, ["sam", "olive", "oscar", "ella"]), message("conv-p", 1, "sam")]);

    await waitFor(
      "oscar's and ella's notifications",
      async () => pushService.requestsTo("/oscar").length === 1 && pushService.requestsTo("/ella").length === 1,
    );
    await windowPassed();
    for (const user of ["oscar", "ella"])
      expect(payloadsAt(`/${user}`, subs[user]!)).toEqual([
        { conversationId: "conv-p", senderId: "sam", preview: "message 1", count: 1, seq: 1 },
      ]);
    for (const user of ["sam", "olive", "nora"]) expect(pushService.requestsTo(`/${user}`), user).toEqual([]);
  });

  it("coalesces a burst for one (user, conversation) into one notification; another conversation gets its own", async () => {
    const laptop = await subscribe("carol", "/carol-laptop");
    const [burstMembers] = pushEvents("conv-burst", ["carol"]);
    const [quietMembers] = pushEvents("conv-quiet", ["carol"]);
    await ingestOk([
      burstMembers,
      quietMembers,
      message("conv-burst", 1),
      message("conv-burst", 2),
      message("conv-quiet", 1),
    ]);
    await new Promise((r) => setTimeout(r, 200));
    await ingestOk([message("conv-burst", 3), message("conv-burst", 4), message("conv-burst", 5)]);

    await waitFor("two notifications", async () => pushService.requestsTo("/carol-laptop").length >= 2);
    await windowPassed();
    const payloads = payloadsAt("/carol-laptop", laptop);
    expect(payloads).toHaveLength(2);
    expect(payloads).toContainEqual({
      conversationId: "conv-burst",
      senderId: "bob",
      preview: "message 5",
      count: 5,
      seq: 5,
    });
    expect(payloads).toContainEqual({
      conversationId: "conv-quiet",
      senderId: "bob",
      preview: "message 1",
      count: 1,
      seq: 1,
    });
  });

  it("follows the members snapshots in the stream: a member removed gets nothing more, one added does, an older snapshot changes nothing", async () => {
    const subs = Object.fromEntries(
      await Promise.all(["mia", "rob", "ned"].map(async (u) => [u, await subscribe(u, `/${u}`)] as const)),
    );
    await ingestOk([membersEvent("conv-m", 1, ["bob", "mia", "rob"]), message("conv-m", 1)]);
    await waitFor(
      "mia's and rob's first notifications",
      async () => pushService.requestsTo("/mia").length === 1 && pushService.requestsTo("/rob").length === 1,
    );
    await ingestOk([membersEvent("conv-m", 2, ["bob", "mia", "ned"]), message("conv-m", 2)]);
    await waitFor(
      "mia's second and ned's first",
      async () => pushService.requestsTo("/mia").length === 2 && pushService.requestsTo("/ned").length === 1,
    );
    // A replayed older snapshot (version 1) does not bring rob back nor drop ned.
    await ingestOk([membersEvent("conv-m", 1, ["bob", "mia", "rob"]), message("conv-m", 3)]);
    await waitFor(
      "mia's third and ned's second",
      async () => pushService.requestsTo("/mia").length === 3 && pushService.requestsTo("/ned").length === 2,
    );
    await windowPassed();
    expect(payloadsAt("/rob", subs.rob!).map((p) => p.seq)).toEqual([1]);
    expect(payloadsAt("/ned", subs.ned!).map((p) => p.seq)).toEqual([2, 3]);
    expect(payloadsAt("/mia", subs.mia!).map((p) => p.seq)).toEqual([1, 2, 3]);
  });

  it("never shows a message deleted while its notification was coalescing, nor one deleted before it reached origin", async () => {
    const sub = await subscribe("gina", "/gina");
    const [members, wrong] = pushEvents("conv-del", ["gina"], { body: "oops, wrong chat" });
    await ingestOk([
      members,
      wrong,
      actionEvent("conv-del", 2, { kind: "delete", target: 1 }, "bob"),
      { ...message("conv-del", 3), body: "", deleted: true },
    ]);
    await windowPassed();
    expect(pushService.requestsTo("/gina")).toEqual([]);
    await ingestOk([message("conv-del", 4)]);
    await waitFor("the next message's notification", async () => pushService.requestsTo("/gina").length === 1);
    expect(payloadsAt("/gina", sub)).toEqual([
      { conversationId: "conv-del", senderId: "bob", preview: "message 4", count: 1, seq: 4 },
    ]);
  });

  it("a delete of one message of a burst leaves the others' notification, showing the newest remaining", async () => {
    const sub = await subscribe("hana", "/hana");
    const [members, first] = pushEvents("conv-burst-del", ["hana"], { body: "first" });
    await ingestOk([
      members,
      first,
      { ...message("conv-burst-del", 2), body: "second, regretted" },
      actionEvent("conv-burst-del", 3, { kind: "delete", target: 2 }, "bob"),
    ]);
    await waitFor("hana's notification", async () => pushService.requestsTo("/hana").length === 1);
    await windowPassed();
    expect(payloadsAt("/hana", sub)).toEqual([
      { conversationId: "conv-burst-del", senderId: "bob", preview: "first", count: 1, seq: 1 },
    ]);
  });

  it("notifies nobody of an edit or a reaction", async () => {
    await subscribe("ivy", "/ivy");
    await messageTo("conv-act", ["ivy"]);
    await waitFor("ivy's notification of the message", async () => pushService.requestsTo("/ivy").length === 1);
    await ingestOk([
      actionEvent("conv-act", 2, { kind: "edit", target: 1, body: "edited", editedAt: Date.now() }, "bob"),
      actionEvent("conv-act", 3, { kind: "react", target: 1, emoji: "👍", on: true, count: 1 }, "bob"),
    ]);
    await windowPassed();
    expect(pushService.requestsTo("/ivy")).toHaveLength(1);
  });

  it("notifies nobody of a message whose conversation has no members snapshot, and counts it", async () => {
    await subscribe("una", "/una");
    const before = (await pushUnknownMembers.get()).values[0]?.value ?? 0;
    await ingestOk([message("conv-unknown", 1)]);
    await waitFor(
      "the message counted",
      async () => ((await pushUnknownMembers.get()).values[0]?.value ?? 0) === before + 1,
    );
    await windowPassed();
    expect(pushService.requestsTo("/una")).toEqual([]);
    const metrics = await (await fetch(`${origin.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^origin_push_unknown_members_total [1-9]\d*$/m);
  });

  it("asks the store for a snapshot it has not read in the stream", async () => {
    const sub = await subscribe("stella", "/stella");
    expect(
      (
        await stores.members.save([
          { conversationId: "conv-stored", version: 4, members: ["bob", "stella"], at: Date.now() },
        ])
      ).ok,
    ).toBe(true);
    await ingestOk([message("conv-stored", 1)]);
    await waitFor("stella's notification", async () => pushService.requestsTo("/stella").length === 1);
    expect(payloadsAt("/stella", sub)).toEqual([
      { conversationId: "conv-stored", senderId: "bob", preview: "message 1", count: 1, seq: 1 },
    ]);
  });

  it("after a restart with its offsets past the members event, takes the snapshot from Cassandra", async () => {
    const sub = await subscribe("rita", "/rita");
    await messageTo("conv-restart", ["rita"]);
    await waitFor("rita's first notification", async () => pushService.requestsTo("/rita").length === 1);
    await push.stop();
    const [snapshotRecord] = (
      await readTopic(run.config, run.config.kafka.topics.messages, (rs) => rs.some((r) => r.key === "conv-restart"))
    ).filter((r) => r.key === "conv-restart");
    const committed = await withKafkaAdmin(run.config, (admin) =>
      admin.fetchOffsets({ groupId: run.config.kafka.groups.push, topics: [run.config.kafka.topics.messages] }),
    );
    const offset = committed[0]!.partitions.find((p) => p.partition === snapshotRecord!.partition)!.offset;
    expect(BigInt(offset)).toBeGreaterThan(BigInt(snapshotRecord!.offset));

    push = await startProcess(run.config, "push", run.backends);
    await groupStable(run.config, run.config.kafka.groups.push);
    await ingestOk([message("conv-restart", 2)]);
    await waitFor("rita's second notification", async () => pushService.requestsTo("/rita").length === 2);
    expect(payloadsAt("/rita", sub).map((p) => p.seq)).toEqual([1, 2]);
  });

  it("starts a new consumer group at the end of chat.messages: a week of old messages is not notified again", async () => {
    await subscribe("lena", "/lena");
    await messageTo("conv-late", ["lena"]);
    await waitFor("the first group's notification", async () => pushService.requestsTo("/lena").length === 1);
    const late = {
      ...run.config,
      kafka: {
        ...run.config.kafka,
        groups: { ...run.config.kafka.groups, push: `${run.config.kafka.groups.push}-late` },
      },
    };
    const second = await startProcess(late, "push", run.backends);
    try {
      await groupStable(late, late.kafka.groups.push);
      await windowPassed();
      expect(pushService.requestsTo("/lena")).toHaveLength(1);
      await ingestOk([message("conv-late", 2)]);
      await waitFor(
        "both groups' notifications of the new message",
        async () => pushService.requestsTo("/lena").length === 3,
      );
    } finally {
      await second.stop();
    }
  });

  it("removes a subscription whose push service answers 410 and keeps pushing to the others", async () => {
    const gone = await subscribe("dave", "/dave-old-browser", 410);
    const current = await subscribe("dave", "/dave-phone");
    await messageTo("conv-d", ["dave"]);

    const remaining = await waitFor("the gone subscription removed", async () => {
      const list = await stores.subscriptions.list("dave");
      return list.ok && list.value.length === 1 && list.value;
    });
    expect(remaining.map((s) => s.endpoint)).toEqual([current.subscription.endpoint]);
    expect(pushService.requestsTo("/dave-old-browser")).toHaveLength(1);

    await messageTo("conv-d2", ["dave"]);
    await waitFor("the second notification", async () => pushService.requestsTo("/dave-phone").length === 2);
    expect(pushService.requestsTo("/dave-old-browser")).toHaveLength(1);
    expect(gone.subscription.endpoint).not.toBe(current.subscription.endpoint);
    const metrics = await (await fetch(`${origin.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^origin_pushes_failed_total\{reason="gone"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^origin_pushes_sent_total [1-9]\d*$/m);
  });

  it("does not follow a redirect: a 3xx is a failed push and the address it names gets nothing", async () => {
    // fetch would follow a 302 to a POST as a GET, and a 307 with the body (Node 20's fails on the transferred one).
    for (const status of [302, 307]) {
      const failedBefore = await failedPushes("rejected");
      await subscribe(`frank${status}`, `/frank-${status}`, status, pushService.urlOf(`/internal-${status}`));
      await messageTo(`conv-f${status}`, [`frank${status}`]);
      // A push service never redirects: a 3xx counts as a refusal of the subscription (removed after a few).
      await waitFor("the push counted as refused", async () => (await failedPushes("rejected")) > failedBefore);
      expect(pushService.requestsTo(`/frank-${status}`)).toHaveLength(1);
      expect(pushService.requestsTo(`/internal-${status}`)).toEqual([]);
    }
  });

  it("refuses an invalid or unsigned subscription", async () => {
    const bad = await signedFetch(
      origin.url,
      "POST",
      "/v1/push/subscriptions",
      JSON.stringify({ userId: "erin", subscription: { endpoint: "not a url", keys: {} } }),
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("bad_request");
    const unsigned = await fetch(`${origin.url}/v1/push/subscriptions`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
  });
});
