/**
 * The edge's calls to origin (shared/origin-client.ts): signed, answered as values, and every refusal logged with
 * origin's HTTP status (or that it did not answer) and the object that called.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OriginClient } from "../../durable-objects/shared/origin-client.js";
import { logLines } from "../support/logs.js";

let server: Server;
let url: string;
let status = 200;
const seen: { path: string; signed: boolean }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", signed: typeof req.headers["x-chat-signature"] === "string" });
    req
      .resume()
      .on("end", () =>
        res
          .writeHead(status, { "Content-Type": "application/json" })
          .end(status === 200 ? '{"messages":[],"hasMore":false}' : "{}"),
      );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const caller = { source: "Conversation", name: () => "g:1" };

const warnings = (work: () => Promise<unknown>) => logLines("warn", work);

describe("origin client", () => {
  it("signs each call and is true only for a 2xx", async () => {
    const origin = new OriginClient({ originUrl: url, originSecret: "s" }, caller);
    status = 200;
    expect(await origin.post("/v1/ingest", '{"events":[]}')).toBe(true);
    status = 503;
    expect(await warnings(() => origin.post("/v1/ingest", '{"events":[]}'))).toHaveLength(1);
    expect(seen.at(-1)).toEqual({ path: "/v1/ingest", signed: true });
  });

  it("logs a refusal with origin's status and the calling object, and answers history as unavailable", async () => {
    const origin = new OriginClient({ originUrl: url, originSecret: "s" }, caller);
    status = 429;
    let answer: unknown;
    const lines = await warnings(async () => (answer = await origin.history("g:1", { limit: 10 })));
    expect(lines).toEqual([
      {
        level: "warn",
        source: "Conversation",
        event: "origin_refused",
        object: "g:1",
        path: "/v1/history/g%3A1",
        status: 429,
      },
    ]);
    expect(answer).toMatchObject({ ok: false, error: { code: "unavailable" } });
  });

  it("logs an origin that does not answer, with no status, and never throws", async () => {
    const origin = new OriginClient({ originUrl: "http://127.0.0.1:1", originSecret: "s" }, caller);
    let taken: boolean | undefined;
    const lines = await warnings(async () => (taken = await origin.post("/v1/ingest", "{}")));
    expect(taken).toBe(false);
    expect(lines).toMatchObject([{ event: "origin_refused", object: "g:1", path: "/v1/ingest", status: null }]);
  });
});
