/**
 * Unverified bodies are bounded: a body is at most MAX_INGEST_BYTES (the edge cuts its batches to fit), a longer or
 * undeclared one is refused before a byte of it is read, and the bytes a process receives before checking them
 * against their signed hash are bounded (INGEST_MAX_UNVERIFIED_BYTES): the origin's memory does not follow what is
 * posted to it, however large or however many at once.
 */
import { once } from "node:events";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { unverifiedBodyBytes } from "../../../origin/shared/metrics.js";
import { withTimeout } from "../../../origin/shared/timeout.js";
import { MAX_INGEST_BYTES, type MessageEvent } from "../../../protocol/events.js";
import { fittingEvents, ingestEnvelope } from "../../../protocol/ingest-batch.js";
import { MAX_BODY_BYTES } from "../../../protocol/limits.js";
import { edgeSignature, loggedRecords, signedFetch, useOriginRun, waitFor } from "../support.js";

const run = useOriginRun("bodies", {
  // The smallest budget: one largest body at a time.
  env: { INGEST_MAX_UNVERIFIED_BYTES: String(MAX_INGEST_BYTES) },
  processes: { origin: "ingest" },
});

/** The largest message events there are: 4 KiB bodies of control characters, each escaped to 6 bytes in JSON. */
function largestEvents(conversationId: string, n: number): string[] {
  return Array.from({ length: n }, (_, i): string => {
    const event: MessageEvent = {
      kind: "message",
      conversationId,
      seq: i + 1,
      senderId: "a".repeat(64),
      clientMsgId: `c${i}`.padEnd(64, "x"),
      body: "\u0001".repeat(MAX_BODY_BYTES),
      sentAt: Date.now(),
    };
    return JSON.stringify(event);
  });
}

/** A signed POST /v1/ingest whose body the test writes itself (or never): what the origin answers, and when. */
async function openPost(
  body: string,
  headers: Record<string, string>,
): Promise<{ req: ClientRequest; answer: Promise<{ status: number; retryAfter?: string; code?: string }> }> {
  const signature = await edgeSignature(run.origin.url, "POST", "/v1/ingest", body);
  const req = request(`${run.origin.url}/v1/ingest`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...signature, ...headers },
  });
  req.on("error", () => undefined);
  const answer = once(req, "response").then(async (args) => {
    const res = args[0] as IncomingMessage;
    let text = "";
    for await (const part of res) text += part;
    const retryAfter = res.headers["retry-after"];
    return {
      status: res.statusCode!,
      ...(retryAfter ? { retryAfter: String(retryAfter) } : {}),
      code: text ? JSON.parse(text).error?.code : undefined,
    };
  });
  return { req, answer };
}

describe("the body cap", () => {
  it("refuses a signed body declared past MAX_INGEST_BYTES with 413 before reading it, and logs nothing", async () => {
    const logged = await loggedRecords(run.config);
    const { req, answer } = await openPost("{}", { "Content-Length": String(MAX_INGEST_BYTES + 1) });
    req.flushHeaders();
    // Headers only: an origin that waited for the declared body would never answer.
    expect(await withTimeout(answer, 5_000, "the origin's answer")).toEqual({ status: 413, code: "too_large" });
    req.destroy();
    expect(await loggedRecords(run.config)).toBe(logged);
  });

  it("refuses a chunked body (no Content-Length) with 400 before reading it", async () => {
    const { req, answer } = await openPost('{"events":[', { "Transfer-Encoding": "chunked" });
    req.write('{"events":[');
    expect(await withTimeout(answer, 5_000, "the origin's answer")).toEqual({ status: 400, code: "bad_request" });
    req.destroy();
  });

  it("accepts the largest batch the edge cuts from 500 of the largest events, and refuses it with one event more (413)", async () => {
    const events = largestEvents("cap-conv", 500);
    const fitting = fittingEvents(events);
    expect(fitting).toBeGreaterThan(1);
    expect(fitting).toBeLessThan(500);
    const logged = await loggedRecords(run.config);
    const tooLarge = await signedFetch(
      run.origin.url,
      "POST",
      "/v1/ingest",
      ingestEnvelope(events.slice(0, fitting + 1)),
    );
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).error.code).toBe("too_large");
    expect(await loggedRecords(run.config)).toBe(logged);
    const largest = await signedFetch(run.origin.url, "POST", "/v1/ingest", ingestEnvelope(events.slice(0, fitting)));
    expect(largest.status).toBe(200);
    expect(await largest.json()).toEqual({ accepted: fitting, rejected: 0 });
  });
});

describe("the budget of unverified bytes", () => {
  it("answers 503 unavailable with Retry-After while it is spent, logs nothing, and takes the edge's retry afterwards", async () => {
    const events = largestEvents("budget-conv", 500);
    const body = ingestEnvelope(events.slice(0, fittingEvents(events, 0.6 * MAX_INGEST_BYTES)));
    const length = Buffer.byteLength(body);
    const slow = await openPost(body, { "Content-Length": String(length) });
    slow.req.write(body.slice(0, 1000));
    await waitFor(
      "the slow body's bytes reserved",
      async () => (await unverifiedBodyBytes.get()).values[0]!.value >= length,
    );

    const logged = await loggedRecords(run.config);
    const refused = await signedFetch(run.origin.url, "POST", "/v1/ingest", body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await refused.json()).error.code).toBe("unavailable");
    expect(await loggedRecords(run.config)).toBe(logged);

    slow.req.end(body.slice(1000));
    expect((await slow.answer).status).toBe(200);
    expect((await unverifiedBodyBytes.get()).values[0]!.value).toBe(0);
    expect((await signedFetch(run.origin.url, "POST", "/v1/ingest", body)).status).toBe(200);
  });
});
