/**
 * Drives one messaging workload against one target: connects every user's device, sends on the schedule,
 * follows every frame into the Tracker, drains, and measures CPU of workerd and of this process over the
 * measurement window (the run minus its warm-up).
 */
import type WebSocket from "ws";
import { Meters, type CpuReading } from "./meters.js";
import { Profiler } from "../profile.js";
import type { Prepared, Target } from "../targets/target.js";
import { closedLoop, openLoop, type Loop } from "./schedule.js";
import { closeAll, inParallel, openSocket } from "./sockets.js";
import { DeviceState, Tracker } from "./tracker.js";
import { summarize, type MessagingResult } from "./result.js";

export interface Workload {
  users: number;
  /** Member lists (user indexes); the first member creates the conversation. */
  conversations: number[][];
  /** Who sends, and into which conversation (index into `conversations`); a user sends into one at most. */
  senders: { user: number; conversation: number }[];
  mode: "open" | "closed";
  /** Open loop: total msg/s over all senders. */
  rate: number;
  /** Closed loop: unacknowledged sends per sender. */
  window: number;
  durationS: number;
  warmupS: number;
  bodyBytes: number;
  drainTimeoutS: number;
  /** Profile the edge's isolate over the window through the inspector at this port (see profile.ts). */
  inspectPort?: number;
}

export interface Snapshot {
  elapsedS: number;
  tracker: Tracker;
  cpu: CpuReading;
}

const CONNECT_CONCURRENCY = 64;
const PROFILE_FILE = "bench-edge.cpuprofile";

export async function drive(target: Target, work: Workload, progress: (s: Snapshot) => void): Promise<MessagingResult> {
  const prepared = await target.prepare(work.users, work.conversations);
  const run = new Run(target, work, prepared.conversationIds);
  await run.connect(prepared);
  const startAt = performance.now() + 100;
  run.tracker.windowStart = startAt + work.warmupS * 1000;
  run.tracker.windowEnd = startAt + work.durationS * 1000;
  const profiler = target.name === "edge" && work.inspectPort ? await Profiler.attach(work.inspectPort) : null;
  // Started while the isolate is idle: a saturated isolate serves inspector calls late (or not at all).
  await profiler?.start();
  const cpu = await run.measure(startAt, progress, profiler);
  const drainMs = await run.drain();
  return summarize(target.name, run.tracker, cpu, drainMs);
}

/** One workload against one target: its sockets, its send schedule, and the frames it gets back. */
class Run {
  readonly tracker: Tracker;
  private readonly sockets: WebSocket[] = [];
  private readonly counters: number[];
  private readonly body: string;
  private loop: Loop | null = null;

  constructor(
    private readonly target: Target,
    private readonly work: Workload,
    private readonly conversationIds: string[],
  ) {
    this.tracker = new Tracker(new Map(work.conversations.map((members, c) => [conversationIds[c]!, members.length])));
    this.counters = work.senders.map(() => 0);
    this.body = "x".repeat(work.bodyBytes);
  }

  /** Opens every user's device and waits for its hello. */
  async connect(prepared: Prepared): Promise<void> {
    const senderOfUser = new Map(this.work.senders.map((s, i) => [s.user, i]));
    await inParallel(this.work.users, CONNECT_CONCURRENCY, async (user) => {
      const device = new DeviceState(senderOfUser.get(user) ?? null);
      const { ws } = await openSocket(prepared.socket(user), undefined, (text) => this.onFrame(device, text));
      this.sockets[user] = ws;
      if (prepared.ready) await prepared.ready(ws);
    });
  }

  /** Sends from `startAt` to the window's end, reading CPU over the window (after the warm-up). */
  async measure(startAt: number, progress: (s: Snapshot) => void, profiler: Profiler | null): Promise<CpuReading> {
    const { work, tracker } = this;
    const send = (sender: number, t0: number): void => this.send(sender, t0);
    const loop =
      work.mode === "open"
        ? openLoop(work.senders.length, work.rate, startAt, tracker.windowEnd, send)
        : closedLoop(work.senders.length, work.window, tracker.windowEnd, send);
    this.loop = loop;
    await sleep(startAt - performance.now());
    loop.start();
    const meters = new Meters(this.target.pid);
    const ticker = setInterval(
      () => progress({ elapsedS: (performance.now() - startAt) / 1000, tracker, cpu: meters.read() }),
      1000,
    );
    await sleep(tracker.windowStart - performance.now());
    meters.reset();
    await sleep(tracker.windowEnd - performance.now());
    clearInterval(ticker);
    loop.stop();
    const cpu = meters.read();
    if (profiler)
      process.stderr.write(
        `\n${await profiler.stop(PROFILE_FILE, tracker.windowEnd - tracker.windowStart)}\nprofile written to ${PROFILE_FILE}\n`,
      );
    return cpu;
  }

  /** Waits for the last acks and deliveries (or the drain timeout), then closes; returns the wait in ms. */
  async drain(): Promise<number> {
    const started = performance.now();
    const deadline = started + this.work.drainTimeoutS * 1000;
    while (!this.tracker.settled() && performance.now() < deadline) await sleep(20);
    const waited = performance.now() - started;
    await sleep(200); // late duplicates would arrive now
    closeAll(this.sockets);
    return waited;
  }

  private send(sender: number, t0: number): void {
    const { user, conversation } = this.work.senders[sender]!;
    const n = ++this.counters[sender]!;
    const clientMsgId = `s${sender}-${n}`;
    const conversationId = this.conversationIds[conversation]!;
    this.tracker.sending(clientMsgId, conversationId, sender, n, t0);
    this.sockets[user]!.send(
      `{"type":"send","clientMsgId":"${clientMsgId}","conversationId":"${conversationId}","body":"${this.body}"}`,
    );
  }

  private onFrame(device: DeviceState, text: string): void {
    const now = performance.now();
    const incoming = this.target.parse(text);
    const { tracker } = this;
    if (incoming.kind === "message") {
      if (
        this.target.echoIsAck &&
        device.sender !== null &&
        tracker.senderOf(incoming.frame.clientMsgId) === device.sender
      ) {
        this.settled(tracker.ack(incoming.frame.clientMsgId, now));
      }
      tracker.delivered(device, incoming.frame, now);
    } else if (incoming.kind === "ack") {
      this.settled(tracker.ack(incoming.clientMsgId, now));
      // Its seq is not checked against the pushes: those and the device's own acks travel apart.
      if (this.target.ackIsOwnCopy)
        tracker.delivered(device, { clientMsgId: incoming.clientMsgId, conversationId: incoming.conversationId }, now);
    } else if (incoming.kind === "refused") {
      this.settled(incoming.clientMsgId === undefined ? null : tracker.refused(incoming.clientMsgId));
    }
  }

  /** A send was acked or refused: a closed loop sends the next one. */
  private settled(sender: number | null): void {
    if (sender !== null) this.loop?.settled(sender);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
