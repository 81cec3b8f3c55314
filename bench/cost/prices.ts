/**
 * Cloudflare's list prices for what the edge uses (Workers Paid, R2 Standard storage), per unit. Source:
 * developers.cloudflare.com/durable-objects/platform/pricing and developers.cloudflare.com/workers/platform/pricing,
 * read 2026-12-04; developers.cloudflare.com/r2/pricing, read 2026-12-06. The included monthly allowances are left
 * out: at the design's scale they are noise.
 */
export const PRICES = {
  source:
    "developers.cloudflare.com/durable-objects/platform/pricing; developers.cloudflare.com/workers/platform/pricing; developers.cloudflare.com/r2/pricing",
  date: "2026-12-04",
  /** A Durable Object request: an RPC method call (a session), a fetch, an alarm; an incoming WebSocket message is 1/20. */
  doRequest: 0.15 / 1e6,
  /** A SQLite row written (each index entry, each `setAlarm`; `INSERT OR REPLACE` of an existing row writes two). */
  rowWritten: 1.0 / 1e6,
  rowRead: 0.001 / 1e6,
  /** A Worker invocation (HTTP request or WebSocket upgrade). */
  workerRequest: 0.3 / 1e6,
  /** A GB-second of Durable Object duration, billed at 128 MB per object while it runs or cannot hibernate. */
  gbSecond: 12.5 / 1e6,
  objectGb: 0.128,
  /** An incoming WebSocket message is billed as this share of a request. */
  wsMessageShare: 1 / 20,
  /** An R2 class A operation (put, list; R2 bills no egress, and deletes are free). */
  r2ClassA: 4.5 / 1e6,
  /** An R2 class B operation (get, head). */
  r2ClassB: 0.36 / 1e6,
  /** A GB-month of R2 Standard storage (the bytes an attachment keeps while it is kept). */
  r2GbMonth: 0.015,
} as const;

export type Prices = typeof PRICES;
