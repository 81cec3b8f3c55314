/**
 * What a cluster run must show beyond the audit: that losing a node is no outage. While traffic runs it samples the
 * edge's outbox towards origin (entries the edge acknowledged that origin's ingest has not accepted yet: the
 * acknowledged sends against the ingest's own counter, which counts only after Kafka acknowledged), how long ingest
 * and the persister (its own counter of entries written to Cassandra) went without progress while they had work, and
 * the persister group's lag as Kafka sees it (committed offsets). An outbox that grew (ingest refused a batch, or a
 * backlog well above the one before the fault) means the edge rode out an outage.
 */
import { ingestedEvents, ingestFailures } from "../../origin/shared/metrics.js";
import type { OriginPipeline } from "./origin.js";
import type { Traffic } from "./traffic.js";

export interface PipelineFigures {
  /** Ingest batches answered 503 (a backend failed): each makes the edge's outbox back off and grow. */
  ingestRefused: number;
  /** Most entries acknowledged at the edge and not yet accepted by ingest, before the first fault and after it. */
  outboxPeakBefore: number;
  outboxPeak: number;
  /** Longest time entries waited at the edge while ingest accepted nothing, ms. */
  ingestStallMs: number;
  /** Longest time entries ingest accepted waited while the persister wrote nothing to Cassandra, ms. */
  persisterStallMs: number;
  /** Longest time the persister group had lag and committed no offset, ms (samples every 500 ms). */
  commitStallMs: number;
  /** Records of the messages topic the persister had not committed: the most seen, and at the end. */
  lagPeak: number;
  lagEnd: number;
}

const EDGE_EVERY_MS = 50;
const PERSISTER_EVERY_MS = 100;
const KAFKA_EVERY_MS = 500;

/** Progress of a counter while there is work: the longest stretch with work waiting and the counter standing still. */
export class Stall {
  private since: number | null = null;
  private last = -1;
  longestMs = 0;

  sample(at: number, progress: number, waiting: boolean): void {
    if (this.since !== null) this.longestMs = Math.max(this.longestMs, at - this.since);
    if (!waiting) this.since = null;
    else if (progress !== this.last || this.since === null) this.since = at;
    this.last = progress;
  }
}

async function counted(counter: typeof ingestedEvents | typeof ingestFailures, labels?: string[]): Promise<number> {
  const { values } = await counter.get();
  const kindOf = (v: (typeof values)[number]) => String((v.labels as { kind?: string }).kind);
  return values.filter((v) => !labels || labels.includes(kindOf(v))).reduce((sum, v) => sum + v.value, 0);
}

/** Log entries (messages and actions) ingest accepted: what the edge's outbox forwards for the acknowledged sends. */
const ENTRY_KINDS = ["message", "action"];

export class PipelineWatch {
  private readonly ingestStall = new Stall();
  private readonly persisterStall = new Stall();
  private readonly commitStall = new Stall();
  private persistedAtStart: number | null = null;
  private ingested = 0;
  private outboxPeak = 0;
  private outboxPeakBefore = 0;
  private faultAt: number | null = null;
  private lagPeak = 0;
  private lagEnd = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  private constructor(
    private readonly traffic: Traffic,
    private readonly origin: OriginPipeline,
    private readonly ingestedAtStart: number,
    private readonly refusedAtStart: number,
  ) {
    this.loops = [
      this.every(EDGE_EVERY_MS, () => this.sampleEdge()),
      this.every(PERSISTER_EVERY_MS, () => this.samplePersister()),
      this.every(KAFKA_EVERY_MS, () => this.sampleLag()),
    ];
  }

  static async start(traffic: Traffic, origin: OriginPipeline): Promise<PipelineWatch> {
    return new PipelineWatch(
      traffic,
      origin,
      await counted(ingestedEvents, ENTRY_KINDS),
      await counted(ingestFailures),
    );
  }

  /** The first fault: what came before is the baseline the outbox is compared with. */
  faultInjected(): void {
    this.faultAt ??= Date.now();
  }

  async stop(): Promise<PipelineFigures> {
    this.running = false;
    await Promise.all(this.loops);
    return {
      ingestRefused: (await counted(ingestFailures)) - this.refusedAtStart,
      outboxPeakBefore: this.outboxPeakBefore,
      outboxPeak: this.outboxPeak,
      ingestStallMs: this.ingestStall.longestMs,
      persisterStallMs: this.persisterStall.longestMs,
      commitStallMs: this.commitStall.longestMs,
      lagPeak: this.lagPeak,
      lagEnd: this.lagEnd,
    };
  }

  private async every(ms: number, sample: () => Promise<void>): Promise<void> {
    while (this.running) {
      const next = Date.now() + ms;
      // A sample that fails (Kafka's admin while a broker is down) is a sample missed: the stall then spans it.
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  }

  private async sampleEdge(): Promise<void> {
    const now = Date.now();
    let acked = 0;
    for (const s of this.traffic.sends.values()) if (s.seq !== undefined) acked++;
    const ingested = (await counted(ingestedEvents, ENTRY_KINDS)) - this.ingestedAtStart;
    this.ingested = ingested;
    const outbox = Math.max(0, acked - ingested);
    if (this.faultAt === null) this.outboxPeakBefore = Math.max(this.outboxPeakBefore, outbox);
    else this.outboxPeak = Math.max(this.outboxPeak, outbox);
    this.ingestStall.sample(now, ingested, outbox > 0);
  }

  private async samplePersister(): Promise<void> {
    const persisted = await this.origin.persisted();
    // Both counters start with the traffic: what each has counted since is compared.
    this.persistedAtStart ??= persisted;
    const written = persisted - this.persistedAtStart;
    this.persisterStall.sample(Date.now(), written, this.ingested > written);
  }

  private async sampleLag(): Promise<void> {
    const { lag, committed } = await this.origin.persisterProgress();
    this.lagPeak = Math.max(this.lagPeak, lag);
    this.lagEnd = lag;
    this.commitStall.sample(Date.now(), committed, lag > 0);
  }
}
