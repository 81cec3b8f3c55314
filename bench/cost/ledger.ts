/**
 * Adds up the edge's meter lines (durable-objects/shared/meter.ts, `METER=log`) into billed units: Durable Object
 * requests by kind, rows written (each `setAlarm` as one) and read, Worker requests, R2 operations by class, and
 * duration: the time each object had an invocation running (overlapping invocations of one object count once), at
 * 128 MB.
 */
import type { MeterLine } from "../../durable-objects/shared/meter-line.js";
import { PRICES } from "./prices.js";

export interface Units {
  /** Billed Durable Object requests: rpc + alarms + fetch + wsIn. */
  requests: number;
  rpc: number;
  alarms: number;
  fetch: number;
  /** Incoming WebSocket messages as billed: each is 1/20 of a request. */
  wsIn: number;
  rowsWritten: number;
  rowsRead: number;
  workerRequests: number;
  /** R2 operations: class A (put, list), class B (get, head), free (delete). */
  r2ClassA: number;
  r2ClassB: number;
  r2Free: number;
  gbSeconds: number;
  usd: number;
}

/** What the invocations of one entry point of one class (`Worker fetch`, `UserSession rpc:admitUpload`) add up to. */
export interface EntryUnits {
  calls: number;
  rowsWritten: number;
  rowsRead: number;
  r2ClassA: number;
  r2ClassB: number;
  r2Free: number;
}

export class Ledger {
  private readonly lines: MeterLine[] = [];
  private counting = false;
  /** When the edge last did anything (counted or not), by this process's clock. */
  lastActivity = 0;

  /** Feeds one line of workerd's stdout; only meter lines while counting are kept. */
  take(text: string): void {
    if (!text.startsWith('{"meter":')) return;
    this.lastActivity = Date.now();
    if (this.counting) this.lines.push((JSON.parse(text) as { meter: MeterLine }).meter);
  }

  /** Forgets what setup cost and counts from now on. */
  reset(): void {
    this.lines.length = 0;
    this.counting = true;
  }

  stop(): void {
    this.counting = false;
  }

  get size(): number {
    return this.lines.length;
  }

  /** When the newest line arrived (0 when none did). */
  get lastAt(): number {
    return this.lines.at(-1)?.at ?? 0;
  }

  units(): Units {
    const u = {
      requests: 0,
      rpc: 0,
      alarms: 0,
      fetch: 0,
      wsIn: 0,
      rowsWritten: 0,
      rowsRead: 0,
      workerRequests: 0,
      r2ClassA: 0,
      r2ClassB: 0,
      r2Free: 0,
      gbSeconds: 0,
      usd: 0,
    };
    for (const line of this.lines) {
      u.rowsWritten += line.rowsWritten + line.alarmsSet;
      u.rowsRead += line.rowsRead;
      u.r2ClassA += line.r2ClassA;
      u.r2ClassB += line.r2ClassB;
      u.r2Free += line.r2Free;
      if (line.class === "Worker") u.workerRequests++;
      else if (line.entry.startsWith("rpc:")) u.rpc++;
      else if (line.entry === "alarm") u.alarms++;
      else if (line.entry === "fetch") u.fetch++;
      else if (line.entry === "ws:message") u.wsIn += PRICES.wsMessageShare;
    }
    u.requests = u.rpc + u.alarms + u.fetch + u.wsIn;
    u.gbSeconds = (activeMs(this.lines) / 1000) * PRICES.objectGb;
    u.usd = dollars(u);
    return u;
  }

  /** Where the units went: per `class entry`, in the order first seen (`background` lines are no request). */
  byEntry(): Record<string, EntryUnits> {
    const out: Record<string, EntryUnits> = {};
    for (const line of this.lines) {
      const e = (out[`${line.class} ${line.entry}`] ??= {
        calls: 0,
        rowsWritten: 0,
        rowsRead: 0,
        r2ClassA: 0,
        r2ClassB: 0,
        r2Free: 0,
      });
      e.calls++;
      e.rowsWritten += line.rowsWritten + line.alarmsSet;
      e.rowsRead += line.rowsRead;
      e.r2ClassA += line.r2ClassA;
      e.r2ClassB += line.r2ClassB;
      e.r2Free += line.r2Free;
    }
    return out;
  }

  /** The busiest Durable Object's most incoming requests in any one second. */
  peakObjectRps(): number {
    const counts = new Map<string, number>();
    for (const line of this.lines) {
      if (line.class === "Worker" || line.entry === "background") continue;
      const key = `${line.id}:${Math.floor(line.at / 1000)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Math.max(0, ...counts.values());
  }
}

function dollars(u: Omit<Units, "usd">): number {
  return (
    u.requests * PRICES.doRequest +
    u.rowsWritten * PRICES.rowWritten +
    u.rowsRead * PRICES.rowRead +
    u.workerRequests * PRICES.workerRequest +
    u.r2ClassA * PRICES.r2ClassA +
    u.r2ClassB * PRICES.r2ClassB +
    u.gbSeconds * PRICES.gbSecond
  );
}

/** Per object, the union of its invocations' [at, at + ms] intervals. */
function activeMs(lines: MeterLine[]): number {
  const byObject = new Map<string, [number, number][]>();
  for (const l of lines) {
    if (l.class === "Worker" || l.entry === "background") continue;
    const list = byObject.get(l.id) ?? [];
    list.push([l.at, l.at + Math.max(l.ms, 0)]);
    byObject.set(l.id, list);
  }
  let total = 0;
  for (const intervals of byObject.values()) {
    intervals.sort((a, b) => a[0] - b[0]);
    let [start, end] = intervals[0]!;
    for (const [s, e] of intervals.slice(1)) {
      if (s > end) {
        total += end - start;
        [start, end] = [s, e];
      } else end = Math.max(end, e);
    }
    total += end - start;
  }
  return total;
}

/** `units` divided by `n` (per message, per device-hour), rounded for the report. */
export function per<T extends Record<keyof T, number>>(units: T, n: number): T {
  const out = { ...units };
  for (const k of Object.keys(units) as (keyof T)[]) out[k] = (n > 0 ? round(units[k] / n) : 0) as T[keyof T];
  return out;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
