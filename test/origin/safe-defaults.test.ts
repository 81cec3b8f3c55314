/**
 * Safe defaults: without ORIGIN_HOST the origin binds loopback only; it refuses to start without ORIGIN_SECRET unless
 * ORIGIN_DEV=1 (the secret committed in the repository must never sign for a real origin); and without a dev or
 * insecure switch it allows push endpoints at the browsers' push services only, over https (no POSTs to internal
 * addresses on a subscription's say).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../origin/config.js";
import { STRICT_ENDPOINT_POLICY } from "../../protocol/push-endpoint.js";
import { startPushRun, type PushRun } from "./push/push-run.js";
import {
  accepts,
  configOf,
  failedPushes,
  ingest,
  pushEvents,
  signedFetch,
  spawnOrigin,
  testEnv,
  waitFor,
} from "./support.js";

/** The test environment less what the defaults are about: no ORIGIN_HOST, no dev or insecure switch. */
const { ORIGIN_HOST: _host, ...env } = testEnv("defaults", { PUSH_COALESCE_MS: "50" });
let run: PushRun;

beforeAll(async () => {
  run = await startPushRun(env);
});

afterAll(async () => {
  await run?.stop();
});

describe("origin defaults", () => {
  it("binds 127.0.0.1 when ORIGIN_HOST is unset: another address of the machine gets no connection", async () => {
    const port = Number(new URL(run.origin.url).port);
    // 127.0.0.2 is this machine too (all of 127/8 is loopback): an origin on 0.0.0.0 would accept it.
    expect(await accepts("127.0.0.2", port)).toBe(false);
    expect(await accepts("127.0.0.1", port)).toBe(true);
  });

  it("refuses to start without ORIGIN_SECRET unless ORIGIN_DEV=1 (then with the dev secret)", async () => {
    const { ORIGIN_SECRET: _secret, ...unsecret } = env;
    const child = spawnOrigin(unsecret, "ingest");
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain("ORIGIN_SECRET is required");
    await expect(child.started).rejects.toThrow();
    const devConfig = loadConfig({ ...unsecret, ORIGIN_DEV: "1" });
    expect(devConfig.ok && devConfig.value.secret).toBe("dev-origin-secret-change-me");
  });

  it("with NODE_ENV=production refuses the dev and insecure switches and requires VAPID keys for push", () => {
    const production = { ...env, NODE_ENV: "production" };
    expect(loadConfig({ ...production, ORIGIN_DEV: "1" })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("ORIGIN_DEV") },
    });
    expect(loadConfig({ ...production, PUSH_ALLOW_INSECURE_ENDPOINTS: "1" })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("PUSH_ALLOW_INSECURE_ENDPOINTS") },
    });
    expect(loadConfig(production)).toMatchObject({ ok: false, error: { message: expect.stringContaining("VAPID") } });
    expect(loadConfig({ ...production, ORIGIN_SERVICES: "ingest,persister" }).ok).toBe(true);
  });

  it("uses the strict push endpoint policy without a dev switch; ORIGIN_DEV=1 or PUSH_ALLOW_INSECURE_ENDPOINTS=1 allow local ones", () => {
    expect(run.config.push.endpoints).toEqual(STRICT_ENDPOINT_POLICY);
    for (const local of [{ ORIGIN_DEV: "1" }, { PUSH_ALLOW_INSECURE_ENDPOINTS: "1" }] as Record<string, string>[]) {
      expect(configOf({ ...env, ...local }).push.endpoints).toEqual({ allowInsecure: true, hosts: null });
    }
  });

  it("refuses a subscription to a local http push service with 400, stores nothing, and never POSTs to it", async () => {
    const local = run.pushService.subscribe("/internal-admin");
    const res = await signedFetch(
      run.origin.url,
      "POST",
      "/v1/push/subscriptions",
      JSON.stringify({ userId: "mallory", subscription: local.subscription }),
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("bad_request");
    expect(await run.store.list("mallory")).toEqual({ ok: true, value: [] });
    expect(run.pushService.requestsTo("/internal-admin")).toEqual([]);
  });

  it("drops a stored subscription the policy refuses (one from before the policy) without POSTing to it", async () => {
    const goneBefore = await failedPushes("gone");
    const forged = run.pushService.subscribe("/metadata");
    expect((await run.store.add("trent", forged.subscription)).ok).toBe(true);
    expect((await ingest(run.origin.url, pushEvents("c", ["trent"]))).status).toBe(200);
    await waitFor("the refused subscription dropped", async () => {
      const list = await run.store.list("trent");
      return list.ok && list.value.length === 0;
    });
    expect(await failedPushes("gone")).toBeGreaterThan(goneBefore);
    expect(run.pushService.requestsTo("/metadata")).toEqual([]);
  });
});
