/**
 * What each invocation of a Durable Object costs in Cloudflare's billing units, as the runtime itself reports it:
 * the entry point (every RPC method call, fetch and alarm is a billed request; an incoming WebSocket message is
 * 1/20 of one), the rows every SQL statement read and wrote (`cursor.rowsRead`/`rowsWritten`; each index entry is a
 * row), each `setAlarm` (billed as a row written), the R2 operations by billing class, and the wall time the
 * invocation was running (duration is billed while an object runs). Off by default (`METER=off`); `METER=log` prints
 * one `{"meter":…}` line per invocation (Workers Logs, Logpush, or the bench reading workerd's output); a
 * `METER_DATASET` Analytics Engine binding also gets one data point per invocation. docs/cost.md says how the lines
 * add up to dollars.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MeterLine } from "./meter-line.js";

export interface MeterSink {
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

/** One invocation's running totals. */
class Tally {
  /** Set once its line is out: work the invocation left running (a queue drained later) counts into the next. */
  closed = false;
  rowsRead = 0;
  rowsWritten = 0;
  alarmsSet = 0;
  readonly r2 = { A: 0, B: 0, free: 0 };
  private readonly cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];

  keep(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): void {
    this.cursors.push(cursor);
  }

  /** Cursors report their counts once consumed: read them when the invocation is over. */
  settle(): void {
    this.closed = true;
    for (const cursor of this.cursors) {
      this.rowsRead += cursor.rowsRead;
      this.rowsWritten += cursor.rowsWritten;
    }
    this.cursors.length = 0;
  }
}

/**
 * What each R2 binding method is billed as (developers.cloudflare.com/r2/pricing): class A mutates or lists, class B
 * reads; deletes are free. The edge makes no multipart uploads (one `put` streams a whole file).
 */
const R2_CLASSES: Record<string, "A" | "B" | "free"> = {
  put: "A",
  list: "A",
  get: "B",
  head: "B",
  delete: "free",
};

export class Meter {
  /**
   * Invocations overlap (one awaiting another object lets the next event in), so the tally a statement counts
   * into follows the async context it runs in. What runs outside any invocation (the constructor's schema and
   * loads) or after its invocation's line went out (a queue drained later) is a `background` line of its own.
   */
  private readonly invocation = new AsyncLocalStorage<Tally>();
  private background = new Tally();
  private backgroundScheduled = false;

  private constructor(
    private readonly className: string,
    private readonly id: string,
    private readonly sink: MeterSink | undefined,
    private readonly log: boolean,
  ) {}

  /** A meter when the configuration (`METER=log`) or a dataset binding asks for one, else null (and nothing is wrapped). */
  static of(log: boolean, dataset: MeterSink | undefined, className: string, id: string): Meter | null {
    if (!log && !dataset) return null;
    return new Meter(className, id, dataset, log);
  }

  /** Storage whose SQL statements and alarms are counted into the invocation that runs them. */
  storage(storage: DurableObjectStorage): DurableObjectStorage {
    const sql = new Proxy(storage.sql, {
      get: (target, key) => {
        if (key === "exec") {
          return (query: string, ...bindings: unknown[]) => {
            const cursor = target.exec(query, ...bindings);
            this.tally().keep(cursor);
            return cursor;
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return new Proxy(storage, {
      get: (target, key) => {
        if (key === "sql") return sql;
        if (key === "setAlarm") {
          return (...args: Parameters<DurableObjectStorage["setAlarm"]>) => {
            this.tally().alarmsSet++;
            return target.setAlarm(...args);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** A bucket whose operations are counted, by billing class, into the invocation that calls them. */
  bucket(bucket: R2Bucket): R2Bucket {
    return new Proxy(bucket, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        const billed = typeof key === "string" ? R2_CLASSES[key] : undefined;
        if (!billed) return value.bind(target);
        return (...args: unknown[]) => {
          this.tally().r2[billed]++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** Runs one invocation of `entry`, counting what it does. */
  run<T>(entry: string, work: () => T): T {
    const tally = new Tally();
    const at = Date.now();
    const done = () => {
      tally.settle();
      this.emit(this.line(entry, tally, at, Date.now() - at));
    };
    return this.invocation.run(tally, () => {
      try {
        const result = work();
        if (result instanceof Promise) return result.finally(done) as T;
        done();
        return result;
      } catch (error) {
        done();
        throw error;
      }
    });
  }

  /**
   * The tally a statement counts into: its invocation's while that is open, else the background one, emitted as
   * a `background` line (not a request) once the current task is over (cursors are consumed by then).
   */
  private tally(): Tally {
    const tally = this.invocation.getStore();
    if (tally && !tally.closed) return tally;
    if (!this.backgroundScheduled) {
      this.backgroundScheduled = true;
      queueMicrotask(() => {
        const background = this.background;
        this.background = new Tally();
        this.backgroundScheduled = false;
        background.settle();
        this.emit(this.line("background", background, Date.now(), 0));
      });
    }
    return this.background;
  }

  private line(entry: string, tally: Tally, at: number, ms: number): MeterLine {
    return {
      class: this.className,
      id: this.id,
      entry,
      at,
      ms,
      rowsRead: tally.rowsRead,
      rowsWritten: tally.rowsWritten,
      alarmsSet: tally.alarmsSet,
      r2ClassA: tally.r2.A,
      r2ClassB: tally.r2.B,
      r2Free: tally.r2.free,
    };
  }

  private emit(line: MeterLine): void {
    if (this.log) console.log(JSON.stringify({ meter: line }));
    this.sink?.writeDataPoint({
      blobs: [line.class, line.entry, line.id],
      doubles: [line.rowsRead, line.rowsWritten, line.alarmsSet, line.ms, line.r2ClassA, line.r2ClassB, line.r2Free],
      indexes: [line.class],
    });
  }
}
