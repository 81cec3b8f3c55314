/** readBody over a real Node HTTP server: exact bytes back, refusal past the limit whether declared or streamed. */
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBody } from "../../../origin/api/raw-body.js";

const LIMIT = 100;
let server: Server;
let port: number;
/** Every readBody result, in order: an aborted request has no answer to read it from. */
const results: Awaited<ReturnType<typeof readBody>>[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    readBody(req, LIMIT).then(
      (body) => {
        results.push(body);
        res.writeHead(body.ok ? 200 : 413, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body.ok ? { hex: body.value.toString("hex") } : { code: body.error.code }));
      },
      (error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `chunks` one write each (chunked unless `declared` sets Content-Length), returns status and JSON. */
async function post(
  chunks: Buffer[],
  declared?: number,
): Promise<{ status: number; json: { hex?: string; code?: string } }> {
  const req = request({
    port,
    host: "127.0.0.1",
    method: "POST",
    path: "/",
    headers: declared === undefined ? {} : { "Content-Length": declared },
  });
  const answered = once(req, "response");
  for (const chunk of chunks) req.write(chunk);
  if (declared === undefined) req.end();
  else req.flushHeaders();
  const [res] = (await answered) as [import("node:http").IncomingMessage];
  let text = "";
  for await (const part of res) text += part;
  req.destroy();
  return { status: res.statusCode!, json: JSON.parse(text) };
}

describe("readBody", () => {
  it("returns the exact bytes of a body sent in several chunks, a UTF-8 character split between two", async () => {
    const bytes = Buffer.from("héllo wörld ✓", "utf8");
    const { status, json } = await post([bytes.subarray(0, 2), bytes.subarray(2, 7), bytes.subarray(7)]);
    expect(status).toBe(200);
    expect(Buffer.from(json.hex!, "hex").toString("utf8")).toBe("héllo wörld ✓");
  });

  it("accepts a body of exactly the limit and an empty one", async () => {
    expect((await post([Buffer.alloc(LIMIT, 1)])).status).toBe(200);
    expect((await post([])).json).toEqual({ hex: "" });
  });

  it("refuses a streamed body past the limit with too_large", async () => {
    const { status, json } = await post([Buffer.alloc(60), Buffer.alloc(60)]);
    expect({ status, code: json.code }).toEqual({ status: 413, code: "too_large" });
  });

  it("settles (bad_request) when the client goes away in the middle of the body, and serves the next request", async () => {
    const before = results.length;
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/" });
    req.on("error", () => undefined);
    req.write(Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    for (const deadline = Date.now() + 2_000; results.length === before && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 10));
    expect(results[before]).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect((await post([Buffer.from("after")])).status).toBe(200);
  });

  it("refuses a declared length past the limit before any of the body arrives", async () => {
    const { status, json } = await post([], 1_000_000_000);
    expect({ status, code: json.code }).toEqual({ status: 413, code: "too_large" });
  });
});
