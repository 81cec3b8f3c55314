/**
 * How much of its log a Conversation keeps, and the alarm's pruning concern. With an origin it keeps fewer messages
 * (older pages come from Cassandra) and drops only what origin confirmed; without one, its storage is the only copy
 * and a device behind what it keeps resyncs. Pruning asks for no alarm of its own: an idle conversation is not woken
 * to prune, it prunes whenever its alarm comes for anything else.
 */
import type { EdgeConfig } from "../config.js";
import type { AlarmConcern } from "../shared/alarm.js";
import type { MemberStates } from "./member-state.js";
import type { ConversationStore } from "./store.js";

/** Retention drops the log in generations of a quarter of what it keeps: it keeps `keep` to 1.25 × `keep` messages. */
const GENERATIONS_KEPT = 4;
/** Generations dropped per alarm at most, so one alarm never holds the object for long. */
const PRUNE_BATCH = 4;

export type RetentionConfig = Pick<
  EdgeConfig,
  "originUrl" | "historyKeep" | "historyKeepWithoutOrigin" | "historyMinAgeMs"
>;

/** How many messages a Conversation keeps at least. */
export function retention(config: RetentionConfig): number {
  return config.originUrl !== undefined ? config.historyKeep : config.historyKeepWithoutOrigin;
}

/** Messages a generation of the log holds (message-log.ts). */
export function generationSize(config: RetentionConfig): number {
  return Math.ceil(retention(config) / GENERATIONS_KEPT);
}

export class Pruning implements AlarmConcern {
  constructor(
    private readonly config: RetentionConfig,
    private readonly store: Pick<ConversationStore, "lastSeq" | "prune">,
    private readonly states: Pick<MemberStates, "originSeq">,
  ) {}

  nextWake(): null {
    return null;
  }

  runDue(): void {
    const withOrigin = this.config.originUrl !== undefined;
    const confirmed = withOrigin ? this.states.originSeq : this.store.lastSeq;
    this.store.prune(
      retention(this.config),
      Date.now() - this.config.historyMinAgeMs,
      PRUNE_BATCH,
      confirmed,
      withOrigin,
    );
  }
}
