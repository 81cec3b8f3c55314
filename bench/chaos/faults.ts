/**
 * The faults, one per scenario: what is broken, for how long, and how it is repaired. `inject` returns once
 * the broken part is back (or, for socket drops, once the dropping stops); the runner then times how long
 * the system takes to catch up. `restore` runs in a finally block, so a failed run never leaves a shared
 * server (Kafka, Cassandra) down for whatever runs next.
 */
import { WriteCanary, type CanaryResult } from "./canary.js";
import type { Device } from "./device.js";
import type { OriginPipeline } from "./origin.js";
import { RefusingOrigin } from "./refusing-origin.js";
import type { Random } from "./random.js";
import { servicesLib } from "./services.js";
import type { Sent, Traffic } from "./traffic.js";
import type { World } from "./world.js";

export interface FaultContext {
  world: World;
  traffic: Traffic;
  random: Random;
  outageS: number;
  dropsForS: number;
  /** Cluster scenarios: how long a killed node stays down under traffic before anything else happens. */
  downS: number;
  /** Called by a fault the moment it strikes: what was measured before is the baseline. */
  onFault(): void;
  say(line: string): void;
}

export interface FaultOutcome {
  /** From the fault to the moment the broken part serves again (or the drops stop). */
  outageMs: number;
  details: Record<string, number | string>;
  /** What the fault itself proved wrong (beyond the audit), e.g. a server that lost acknowledged writes. */
  violations?: string[];
}

export interface Fault {
  inject(ctx: FaultContext): Promise<FaultOutcome>;
  restore?(ctx: FaultContext): Promise<void>;
  /** Lets the fault act right after a send left a device (socket-drops cuts acks off this way). */
  afterSend?(device: Device, sent: Sent): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function originOf(ctx: FaultContext): OriginPipeline {
  if (!ctx.world.origin) throw new Error("this scenario needs an origin");
  return ctx.world.origin;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

/** Waits (up to 5 s) for a moment when some send is unacknowledged: a kill then cuts a send off mid-way. */
async function sendsInFlight(ctx: FaultContext): Promise<number> {
  const inFlight = () => ctx.traffic.online.reduce((n, d) => n + d.chat.unacked, 0);
  for (const deadline = Date.now() + 5_000; inFlight() === 0 && Date.now() < deadline;) await sleep(1);
  return inFlight();
}

const edgeKill: Fault = {
  async inject(ctx) {
    const pid = ctx.world.edge.pid();
    const inFlight = await sendsInFlight(ctx);
    ctx.say(
      `SIGKILL workerd (pid ${pid}) with ${inFlight} sends unacknowledged; restarting on the same state and port`,
    );
    const outageMs = await timed(() => ctx.world.edge.crash());
    ctx.say(`workerd back (pid ${ctx.world.edge.pid()}) after ${outageMs} ms`);
    return { outageMs, details: { killedPid: pid, unackedAtKill: inFlight } };
  },
};

const originStop: Fault = {
  async inject(ctx) {
    const origin = originOf(ctx);
    ctx.say(`stopping origin ingest for ${ctx.outageS} s (its port answers 503 meanwhile)`);
    const started = Date.now();
    await origin.stopIngest();
    const refusing = await RefusingOrigin.listen(origin.config.port);
    try {
      await sleep(ctx.outageS * 1000);
    } finally {
      await refusing.close();
    }
    await origin.startIngest();
    const outageMs = Date.now() - started;
    const most = refusing.maxPerConversation;
    ctx.say(
      `ingest serving again after ${outageMs} ms; ${refusing.attempts.size} conversations retried, at most ${most} times each`,
    );
    return { outageMs, details: { conversationsRetrying: refusing.attempts.size, maxAttemptsPerConversation: most } };
  },
  restore: async (ctx) => originOf(ctx).startIngest(),
};

/** Adds the canary's counts, and a violation when Cassandra lost writes it had acknowledged. */
function withCanary(outcome: FaultOutcome, canary: CanaryResult, ctx: FaultContext): FaultOutcome {
  Object.assign(outcome.details, { canaryAcked: canary.acked, canaryLost: canary.lost });
  if (canary.lost === 0) return outcome;
  const [from, to] = canary.lostWindowMs!;
  const what = `${canary.lost} of ${canary.acked} writes it had acknowledged (${from}..${to} ms relative to the SIGKILL)`;
  ctx.say(`cassandra lost ${what}`);
  return { ...outcome, violations: [`cassandraLostAckedWrites: ${what}`] };
}

function serverKill(name: "kafka" | "cassandra"): Fault {
  return {
    async inject(ctx) {
      const lib = await servicesLib();
      const origin = originOf(ctx);
      // With Cassandra, a canary shows whether the server itself drops writes it acknowledged (see canary.ts).
      const canary =
        name === "cassandra" ? await WriteCanary.start(origin.reader, origin.config.cassandra.keyspace) : null;
      // The signal goes out at once; the call then waits for the process to be gone.
      const killedAt = Date.now();
      const killed = await (name === "kafka" ? lib.killKafka() : lib.killCassandra()).finally(() => canary?.stop());
      ctx.say(
        `${name}: SIGKILL pid ${killed.pid} at ${new Date(killedAt).toISOString().slice(11, 23)}; starting it again`,
      );
      const back = await (name === "kafka" ? lib.startKafka() : lib.startCassandra());
      const outageMs = Date.now() - killedAt;
      ctx.say(`${name} serving again after ${outageMs} ms (its start took ${back.seconds ?? 0} s)`);
      const outcome: FaultOutcome = { outageMs, details: { [`${name}StartS`]: back.seconds ?? 0 } };
      if (!canary) return outcome;
      return withCanary(
        outcome,
        await canary.check(killedAt, (query, params, options) => origin.read(query, params, options)),
        ctx,
      );
    },
    async restore() {
      const lib = await servicesLib();
      await (name === "kafka" ? lib.startKafka() : lib.startCassandra());
    },
  };
}

const persisterKill: Fault = {
  async inject(ctx) {
    const origin = originOf(ctx);
    let uncommitted = 0;
    const outageMs = await timed(async () => {
      const pid = await origin.killPersister();
      uncommitted = await origin.uncommitted();
      ctx.say(
        `persister: SIGKILL pid ${pid}, ${uncommitted} records fetched or written but not committed; starting a new one`,
      );
      await origin.startPersister();
    });
    ctx.say(`new persister running after ${outageMs} ms`);
    return { outageMs, details: { uncommittedAtKill: uncommitted } };
  },
  restore: async (ctx) => originOf(ctx).startPersister(),
};

/** Drops at random moments for a while; a tenth of the sends also lose their socket a few ms after leaving. */
function socketDrops(): Fault {
  let dropping = false;
  let random: Random | null = null;
  let drops = 0;
  let cutAfterSend = 0;
  return {
    async inject(ctx) {
      random = ctx.random;
      dropping = true;
      ctx.say(`dropping sockets for ${ctx.dropsForS} s (half polite close, half TCP destroyed)`);
      const started = Date.now();
      while (Date.now() - started < ctx.dropsForS * 1000) {
        // Only connected devices: a failed reconnect attempt grows the client's backoff, and recovery would
        // then measure that policy rather than the system.
        const connected = ctx.traffic.online.filter((d) => d.chat.connectionState === "open");
        if (connected.length > 0) {
          const device = ctx.random.pick(connected);
          if (ctx.random.chance(0.5)) device.softDrop();
          else device.hardDrop();
          drops++;
        }
        await sleep(50 + ctx.random.int(100));
      }
      dropping = false;
      ctx.say(`${drops} random drops, ${cutAfterSend} more between a send and its ack`);
      return { outageMs: Date.now() - started, details: { randomDrops: drops, dropsAfterSend: cutAfterSend } };
    },
    afterSend(device) {
      if (!dropping || !random?.chance(0.1)) return;
      cutAfterSend++;
      setTimeout(() => device.hardDrop(), random.int(8));
    },
  };
}

export function faultOf(name: string): Fault {
  switch (name) {
    case "edge-kill":
      return edgeKill;
    case "origin-stop":
      return originStop;
    case "kafka-kill":
      return serverKill("kafka");
    case "cassandra-kill":
      return serverKill("cassandra");
    case "persister-kill":
      return persisterKill;
    case "socket-drops":
      return socketDrops();
    default:
      throw new Error(`no fault named ${name}`);
  }
}
