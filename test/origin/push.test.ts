/**
 * Offline events → chat.push → the push service → Web Push to a local push service: encrypted for the subscription
 * (decrypted here with its private key), VAPID-signed, coalesced per (user, conversation), and gone subscriptions
 * (410) removed from Cassandra.
 */
import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../../origin/backends.js";
import type { OriginConfig } from "../../origin/config.js";
import { startOrigin, type RunningOrigin } from "../../origin/ingest/server.js";
import { startOpsServer, type RunningOps } from "../../origin/ops/server.js";
import type { PushPayload } from "../../origin/push/notify.js";
import { startPush } from "../../origin/push/index.js";
import type { RunningService } from "../../origin/service.js";
import { CassandraSubscriptionStore } from "../../origin/subscriptions/subscription-store-cassandra.js";
import type { OfflineEvent } from "../../protocol/events.js";
import { LocalPushService, type TestSubscription } from "./local-push-service.js";
import { cleanupRun, configOf, failedPushes, ingest, joined, log, prepareRun, requireServices, signedFetch, testEnv, waitFor } from "./support.js";

const COALESCE_MS = 1_000;
let config: OriginConfig;
let backends: Backends;
let origin: RunningOrigin;
let push: RunningService;
let ops: RunningOps;
const pushService = new LocalPushService();

beforeAll(async () => {
  // The local push service speaks http on 127.0.0.1, which only this switch (or ORIGIN_DEV=1) allows.
  config = configOf(testEnv("push", { PUSH_COALESCE_MS: String(COALESCE_MS), PUSH_ALLOW_INSECURE_ENDPOINTS: "1" }));
  await requireServices(config);
  backends = await prepareRun(config);
  await pushService.start();
  origin = await startOrigin(config, { log });
  push = await startPush(config, { log });
  ops = await startOpsServer(config, backends, {}, log);
  await joined(push, "push");
});

afterAll(async () => {
  await origin?.stop();
  await push?.stop();
  await ops?.stop();
  await pushService.stop();
  if (config) await cleanupRun(config, backends);
});

async function subscribe(userId: string, path: string, status = 201, location?: string): Promise<TestSubscription> {
  const sub = pushService.subscribe(path, status, location);
  const res = await signedFetch(origin.url, "POST", "/v1/push/subscriptions", JSON.stringify({ userId, subscription: sub.subscription }));
  expect(res.status).toBe(201);
  return sub;
}

function offline(userId: string, conversationId: string, seq: number, preview = `preview ${seq}`): OfflineEvent {
  return { kind: "offline", userId, conversationId, seq, senderId: "bob", preview, sentAt: Date.now() };
}

async function ingestOk(events: OfflineEvent[]): Promise<void> {
  const res = await ingest(origin.url, events);
  expect(res.status).toBe(200);
}

/** Checks the VAPID JWT (RFC 8292): ES256 over header.payload with the origin's public key, audience = push service. */
function verifyVapid(authorization: string, endpoint: string): void {
  const [, token, key] = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization) ?? [];
  expect(key).toBe(config.push.vapid.publicKey);
  const point = Buffer.from(key!, "base64url");
  const publicKey = createPublicKey({ format: "jwk", key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") } });
  const [header, payload, signature] = token!.split(".") as [string, string, string];
  expect(verify("sha256", Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"))).toBe(true);
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  expect(claims).toMatchObject({ aud: new URL(endpoint).origin, sub: config.push.vapid.subject });
}

describe("web push", () => {
  it("delivers an aes128gcm-encrypted, VAPID-signed notification with the message preview", async () => {
    const phone = await subscribe("alice", "/alice-phone");
    await ingestOk([offline("alice", "conv-1", 7, "Hi Alice, lunch at noon?")]);

    const [request] = await waitFor("the push request", async () => pushService.requestsTo("/alice-phone").length === 1 && pushService.requestsTo("/alice-phone"));
    expect(request!.headers["content-encoding"]).toBe("aes128gcm");
    expect(request!.headers.ttl).toBe(String(config.push.ttlSeconds));
    expect(request!.headers.topic).toMatch(/^[\w-]{1,32}$/);
    verifyVapid(String(request!.headers.authorization), phone.subscription.endpoint);
    const payload = JSON.parse(phone.decrypt(request!.body)) as PushPayload;
    expect(payload).toEqual({ conversationId: "conv-1", senderId: "bob", preview: "Hi Alice, lunch at noon?", count: 1, seq: 7 });
  });

  it("coalesces a burst for one (user, conversation) into one notification; another conversation gets its own", async () => {
    const laptop = await subscribe("carol", "/carol-laptop");
    await ingestOk([offline("carol", "conv-burst", 1), offline("carol", "conv-burst", 2), offline("carol", "conv-quiet", 1)]);
    await new Promise((r) => setTimeout(r, 200));
    await ingestOk([offline("carol", "conv-burst", 3), offline("carol", "conv-burst", 4), offline("carol", "conv-burst", 5)]);

    await waitFor("two notifications", async () => pushService.requestsTo("/carol-laptop").length >= 2);
    await new Promise((r) => setTimeout(r, COALESCE_MS + 1_000));
    const payloads = pushService.requestsTo("/carol-laptop").map((r) => JSON.parse(laptop.decrypt(r.body)) as PushPayload);
    expect(payloads).toHaveLength(2);
    expect(payloads).toContainEqual({ conversationId: "conv-burst", senderId: "bob", preview: "preview 5", count: 5, seq: 5 });
    expect(payloads).toContainEqual({ conversationId: "conv-quiet", senderId: "bob", preview: "preview 1", count: 1, seq: 1 });
  });

  it("removes a subscription whose push service answers 410 and keeps pushing to the others", async () => {
    const store = new CassandraSubscriptionStore(backends.cassandra, config.cassandra.keyspace, config.push.maxSubscriptionsPerUser);
    const gone = await subscribe("dave", "/dave-old-browser", 410);
    const current = await subscribe("dave", "/dave-phone");
    await ingestOk([offline("dave", "conv-d", 1)]);

    const remaining = await waitFor("the gone subscription removed", async () => {
      const list = await store.list("dave");
      return list.ok && list.value.length === 1 && list.value;
    });
    expect(remaining.map((s) => s.endpoint)).toEqual([current.subscription.endpoint]);
    expect(pushService.requestsTo("/dave-old-browser")).toHaveLength(1);

    await ingestOk([offline("dave", "conv-d2", 1)]);
    await waitFor("the second notification", async () => pushService.requestsTo("/dave-phone").length === 2);
    expect(pushService.requestsTo("/dave-old-browser")).toHaveLength(1);
    expect(gone.subscription.endpoint).not.toBe(current.subscription.endpoint);
    const metrics = await (await fetch(`${ops.url}/metrics`)).text();
    expect(metrics).toMatch(/^origin_pushes_failed_total\{reason="gone"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^origin_pushes_sent_total [1-9]\d*$/m);
  });

  it("does not follow a redirect (finding 3): a 3xx is a failed push and the address it names gets nothing", async () => {
    // fetch would follow a 302 to a POST as a GET, and a 307 with the body (Node 20's fails on the transferred one).
    for (const status of [302, 307]) {
      const failedBefore = await failedPushes("rejected");
      await subscribe(`frank${status}`, `/frank-${status}`, status, pushService.urlOf(`/internal-${status}`));
      await ingestOk([offline(`frank${status}`, "conv-f", 1)]);
      // A push service never redirects: a 3xx counts as a refusal of the subscription (removed after a few).
      await waitFor("the push counted as refused", async () => (await failedPushes("rejected")) > failedBefore);
      expect(pushService.requestsTo(`/frank-${status}`)).toHaveLength(1);
      expect(pushService.requestsTo(`/internal-${status}`)).toEqual([]);
    }
  });

  it("refuses an invalid or unsigned subscription", async () => {
    const bad = await signedFetch(origin.url, "POST", "/v1/push/subscriptions", JSON.stringify({ userId: "erin", subscription: { endpoint: "not a url", keys: {} } }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("bad_request");
    const unsigned = await fetch(`${origin.url}/v1/push/subscriptions`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
  });
});
