/**
 * Moderation: the edge's queue of members' reports of messages (one object, `MODERATION_OBJECT`; see
 * moderation/rpc.ts for why one). Conversations file reports here; an operator reads them over
 * `GET /v1/moderation/reports` and resolves them (a report is kept for a retention period after its last change,
 * moderation/retention.ts); with an origin each report is also forwarded, as a `report` event, to origin's reports
 * topic through the same Forwarder as a Conversation's messages (moderation/store.ts is its outbox).
 */
import { DurableObject } from "cloudflare:workers";
import {
  failWith,
  NO_SUCH_REPORT,
  ok,
  receiptOf,
  type QueuedReport,
  type Report,
  type ReportPage,
  type ReportQuery,
  type ReportReceipt,
  type ReportResolutionBody,
  type Result,
} from "../protocol/index.js";
import { loadConfig } from "./config.js";
import type { ObjectEnv } from "./env.js";
import { MODERATION_OBJECT, type FiledReport, type ModerationRpc } from "./moderation/rpc.js";
import { ReportRetention } from "./moderation/retention.js";
import { ReportStore } from "./moderation/store.js";
import { AlarmArbiter, type AlarmConcern } from "./shared/alarm.js";
import { entryPoints } from "./shared/entry-points.js";
import { Forwarder } from "./shared/forwarder.js";
import { Meter } from "./shared/meter.js";
import { OriginClient } from "./shared/origin-client.js";

export class Moderation extends DurableObject<ObjectEnv> implements ModerationRpc {
  /** Counts what each invocation costs when METER is on (see shared/meter.ts); null otherwise. */
  readonly meter: Meter | null;
  private readonly store: ReportStore;
  private readonly alarms: AlarmArbiter;
  private readonly forwarder: Forwarder;
  private readonly followUp: FollowUp;
  private readonly retention: ReportRetention;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    const config = loadConfig(env);
    this.meter = Meter.of(config.meterLog, env.METER_DATASET, "Moderation", ctx.id.toString());
    const storage = this.meter?.storage(ctx.storage) ?? ctx.storage;
    this.store = new ReportStore(storage.sql);
    this.alarms = new AlarmArbiter(storage);
    const origin = new OriginClient(config, { source: "Moderation", name: () => this.name });
    this.forwarder = new Forwarder(config, this.store.outbox(), origin, this.alarms);
    this.followUp = new FollowUp(config.outboxRetryMs);
    const forwardedUpTo = () => (this.forwarder.enabled ? this.store.forwarded : Number.MAX_SAFE_INTEGER);
    this.retention = new ReportRetention(this.store, config.reportRetentionMs, forwardedUpTo);
    this.alarms.register(this.forwarder, this.followUp, this.retention);
  }

  get name(): string {
    return this.ctx.id.name ?? MODERATION_OBJECT;
  }

  /** Answered once the report is durable; forwarding to origin runs on, and the alarm is set to follow it up. */
  async file(report: Report): Promise<Result<FiledReport>> {
    const filed = this.store.file(report);
    if (filed.duplicate) return ok(filed);
    if (this.forwarder.enabled) {
      this.forwarder.kick();
      this.followUp.arm();
    }
    this.retention.arm();
    await this.alarms.reschedule();
    return ok(filed);
  }

  filed(conversationId: string, seq: number, reporterId: string): Result<ReportReceipt | null> {
    const report = this.store.find(conversationId, seq, reporterId);
    return ok(report && receiptOf(report, true));
  }

  list(query: ReportQuery): Result<ReportPage> {
    return ok(this.store.page(query));
  }

  async resolve(id: string, body: ReportResolutionBody): Promise<Result<QueuedReport>> {
    const resolved = this.store.resolve(id, { ...body, at: Date.now() });
    if (!resolved) return failWith(NO_SUCH_REPORT);
    this.retention.arm();
    await this.alarms.reschedule();
    return ok(resolved);
  }

  override async alarm(): Promise<void> {
    await this.alarms.fire();
  }
}

/**
 * The Forwarder asks for the alarm only after origin refused a batch; a drain that never ended (the object was evicted
 * first) asks for nothing. So filing a report arms one alarm of its own: by then the drain has ended or is redone
 * (Forwarder.runDue), and from there the Forwarder keeps the alarm while origin is behind.
 */
class FollowUp implements AlarmConcern {
  private at: number | null = null;

  constructor(private readonly afterMs: number) {}

  arm(): void {
    this.at ??= Date.now() + this.afterMs;
  }

  nextWake(): number | null {
    return this.at;
  }

  runDue(): void {
    this.at = null;
  }
}

entryPoints<ModerationRpc>(Moderation, "Moderation", ["file", "filed", "list", "resolve"], ["alarm"]);
