/**
 * `pairs` and `group`: the same workload, run against our edge and then against the ceiling broadcast
 * worker, each freshly started, so that both see the same sockets, senders, schedule and bodies.
 */
import type { Options } from "../cli.js";
import { drive, type Workload } from "../load/driver.js";
import type { MessagingResult } from "../load/result.js";
import { Progress } from "../progress.js";
import { ceilingTarget } from "../targets/ceiling.js";
import { edgeTarget } from "../targets/edge.js";
import type { Target } from "../targets/target.js";

/** `--pairs` direct conversations of two users; both users send. Closed loop unless `--mode open`. */
export function pairsWorkload(o: Options): Workload {
  const conversations = Array.from({ length: o.pairs }, (_, c) => [2 * c, 2 * c + 1]);
  const senders = conversations.flatMap((members, c) => members.map((user) => ({ user, conversation: c })));
  return { ...common(o, "closed"), users: 2 * o.pairs, conversations, senders };
}

/** One group of `--members`; its first `--senders` members send. Open loop unless `--mode closed`. */
export function groupWorkload(o: Options): Workload {
  const members = Array.from({ length: o.members }, (_, u) => u);
  const k = Math.min(o.members, o.senders ?? Math.min(o.members, 10));
  const senders = members.slice(0, k).map((user) => ({ user, conversation: 0 }));
  return { ...common(o, "open"), users: o.members, conversations: [members], senders };
}

function common(o: Options, mode: "open" | "closed") {
  return {
    mode: o.mode ?? mode,
    rate: o.rate,
    window: o.window,
    durationS: o.duration,
    warmupS: Math.min(o.warmup, o.duration / 2),
    bodyBytes: o.size,
    drainTimeoutS: o.drainTimeout,
    inspectPort: o.inspectPort,
  };
}

export async function runMessaging(o: Options, work: Workload, run: number): Promise<MessagingResult[]> {
  const results = [
    await runOn(
      await edgeTarget({
        url: o.url,
        pid: o.pid,
        rateLimit: o.rateLimit,
        storage: o.storage,
        inspectorPort: o.url ? undefined : o.inspectPort,
      }),
      work,
      run,
    ),
  ];
  if (o.ceiling) results.push(await runOn(await ceilingTarget(o.ceilingKind), work, run));
  return results;
}

async function runOn(target: Target, work: Workload, run: number): Promise<MessagingResult> {
  const progress = new Progress(`${target.name} #${run}`);
  try {
    return await drive(target, work, progress.messaging);
  } finally {
    progress.done();
    await target.stop();
  }
}
