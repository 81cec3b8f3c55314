/**
 * An origin stand-in for the edge's cost: it answers every signed call as origin would when all is well (ingest:
 * 200 with every event accepted; history: an empty page) without Kafka, Cassandra or Redis. What the edge does
 * towards origin, not what origin does, is what the idle-origin scenario counts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInOrigin {
  url: string;
  /** Events posted to /v1/ingest, by kind. */
  events: Map<string, number>;
  /** The events themselves, as posted (the tests of what reaches origin read them). */
  received: { kind: string; [field: string]: unknown }[];
  stop(): Promise<void>;
}

export async function startStandInOrigin(): Promise<StandInOrigin> {
  const events = new Map<string, number>();
  const received: StandInOrigin["received"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let answer: unknown = { messages: [], hasMore: false };
      if (req.url?.startsWith("/v1/ingest")) {
        const batch = JSON.parse(Buffer.concat(chunks).toString("utf8") || '{"events":[]}') as {
          events: { kind: string }[];
        };
        for (const e of batch.events) events.set(e.kind, (events.get(e.kind) ?? 0) + 1);
        received.push(...batch.events);
        answer = { accepted: batch.events.length, rejected: 0 };
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
