/**
 * A signature covers method, path and query, timestamp, a nonce and the body's hash, and is served once by every
 * ingest process together (Redis): a captured request cannot be replayed, moved to another route (reading history or
 * presence with an ingest's signature) or given another body.
 */
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../origin/api/hmac.js";
import { CONTENT_SHA256_HEADER, type MembersEvent } from "../../../protocol/events.js";
import {
  edgeSignature,
  loggedRecords,
  messageEvents,
  SECRET,
  sendSigned,
  signedFetch,
  startProcess,
  useOriginRun,
} from "../support.js";

/** Two ingest processes behind one load balancer, as the edge would reach them. */
const run = useOriginRun("signature", { processes: { first: "ingest", second: "ingest" } });

/** A distinct body per test: the conversation's members at `version`. */
const members = (version: number): MembersEvent => ({
  kind: "members",
  conversationId: "sig-conv",
  version,
  members: ["victim", "bob"],
  at: Date.now(),
});
const batch = (events: unknown[]) => JSON.stringify({ events });

async function expectUnauthorized(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect((await res.json()).error.code).toBe("unauthorized");
}

/** An ingest request the edge sent and origin accepted; returns the headers an attacker on the way captured. */
async function captured(body: string): Promise<Record<string, string>> {
  const signature = await edgeSignature(run.first.url, "POST", "/v1/ingest", body);
  expect((await sendSigned(run.first.url, "POST", "/v1/ingest", body, signature)).status).toBe(200);
  return signature;
}

describe("replayed signatures", () => {
  it("refuses an ingest request replayed unchanged with 401, and nothing is logged or pushed again", async () => {
    const body = batch([members(1), ...messageEvents("sig-conv", 1, 2)]);
    const signature = await captured(body);
    const logged = await loggedRecords(run.config);
    await expectUnauthorized(await sendSigned(run.first.url, "POST", "/v1/ingest", body, signature));
    expect(await loggedRecords(run.config)).toBe(logged);
  });

  it("refuses the replay at another ingest process too: the nonces seen are shared through Redis", async () => {
    const body = batch([members(2)]);
    const signature = await captured(body);
    const logged = await loggedRecords(run.config);
    await expectUnauthorized(await sendSigned(run.second.url, "POST", "/v1/ingest", body, signature));
    expect(await loggedRecords(run.config)).toBe(logged);
  });

  it("accepts a fresh re-signed retry of the same batch (new timestamp and nonce), as the edge sends it", async () => {
    const body = batch([members(3)]);
    const logged = await loggedRecords(run.config);
    for (const origin of [run.first, run.second, run.first])
      expect((await signedFetch(origin.url, "POST", "/v1/ingest", body)).status).toBe(200);
    expect(await loggedRecords(run.config)).toBe(logged + 3);
  });
});

describe("signatures moved to another request", () => {
  it("refuses a captured ingest signature used for GET /v1/history or GET /v1/presence with 401, revealing nothing", async () => {
    const body = batch([members(4)]);
    const signature = await edgeSignature(run.first.url, "POST", "/v1/ingest", body);
    await expectUnauthorized(await sendSigned(run.first.url, "GET", "/v1/history/sig-conv", "", signature));
    await expectUnauthorized(await sendSigned(run.first.url, "GET", "/v1/presence?users=victim", "", signature));
    // The refused attempts did not use the nonce up: the request it was made for still goes through, once.
    expect((await sendSigned(run.first.url, "POST", "/v1/ingest", body, signature)).status).toBe(200);
  });

  it("refuses a signature moved to another path or query with 401", async () => {
    const moves: { signed: string; sent: string }[] = [
      { signed: "/v1/history/mine", sent: "/v1/history/sig-conv" },
      { signed: "/v1/history/sig-conv?limit=1", sent: "/v1/history/sig-conv?limit=100" },
      { signed: "/v1/presence?users=me", sent: "/v1/presence?users=victim" },
    ];
    for (const { signed, sent } of moves) {
      await expectUnauthorized(
        await sendSigned(run.first.url, "GET", sent, "", await edgeSignature(run.first.url, "GET", signed)),
      );
      expect((await signedFetch(run.first.url, "GET", sent)).status).toBe(200);
    }
  });

  it("refuses a signature moved to another method with 401", async () => {
    const signature = await edgeSignature(run.first.url, "GET", "/v1/push/subscriptions");
    await expectUnauthorized(await sendSigned(run.first.url, "POST", "/v1/push/subscriptions", "", signature));
  });
});

describe("changed bodies", () => {
  it("refuses a body changed on the way with 401, whether the hash header is kept or recomputed, and logs nothing", async () => {
    const body = batch([members(5)]);
    const forged = batch([members(5), members(6), members(7)]);
    const signature = await edgeSignature(run.first.url, "POST", "/v1/ingest", body);
    const logged = await loggedRecords(run.config);
    await expectUnauthorized(await sendSigned(run.first.url, "POST", "/v1/ingest", forged, signature));
    await expectUnauthorized(
      await sendSigned(run.first.url, "POST", "/v1/ingest", forged, {
        ...signature,
        [CONTENT_SHA256_HEADER]: sha256Hex(forged),
      }),
    );
    expect(await loggedRecords(run.config)).toBe(logged);
  });
});

describe("ORIGIN_SECRET rotation", () => {
  it("accepts requests signed with the previous secret while ORIGIN_SECRET_PREVIOUS is set, and no other", async () => {
    const rotating = await startProcess(
      { ...run.config, secret: "the-new-secret", previousSecret: SECRET },
      "ingest",
      run.backends,
    );
    try {
      const body = batch([members(50)]);
      expect((await signedFetch(rotating.url, "POST", "/v1/ingest", body, { secret: "the-new-secret" })).status).toBe(
        200,
      );
      expect((await signedFetch(rotating.url, "POST", "/v1/ingest", body, { secret: SECRET })).status).toBe(200);
      await expectUnauthorized(await signedFetch(rotating.url, "POST", "/v1/ingest", body, { secret: "an-older-one" }));
    } finally {
      await rotating.stop();
    }
  });
});
