/**
 * The cost scenarios: who is connected, who sends what at which pace, and what each device does with what it
 * gets (as the web app does). Each returns what it sent and how long devices were connected; the run adds up the
 * edge's meter lines over the counted window.
 */
import { inParallel } from "../load/sockets.js";
import type { Device } from "./device.js";
import type { CostWorld } from "./world.js";

export const COST_SCENARIOS = [
  "pair",
  "pair-read",
  "pair-3dev",
  "pair-closed",
  "group10",
  "group100",
  "group100-10online",
  "group1024",
  "group1024-10online",
  "idle",
  "idle-origin",
  "reconnect",
  "actions",
  "search",
  "attachments",
] as const;
export type CostScenarioName = (typeof COST_SCENARIOS)[number];

export interface CostOptions {
  /** Messages per messaging scenario (pair: turns × burst). */
  messages: number;
  /** Pause between a pair's turns (one side's burst acknowledged and delivered, then the other's). */
  thinkMs: number;
  /** How long the idle scenarios keep their devices connected. */
  idleS: number;
  /** After the last delivery, how long retries and alarms may still run and count. */
  settleS: number;
}

export interface Workload {
  describe: string;
  /** Messages the per-message figures divide by (sent, or caught up for `reconnect`). */
  messages: number;
  /** Devices that must have been handed every message of the run exactly once (their own sends excepted). */
  receivers: Device[];
  /** Report where the units went, per class and entry point (what one of each operation costs). */
  breakdown?: boolean;
}

export interface Scenario {
  /** Edge bindings besides the meter (the origin stand-in's URL for idle-origin). */
  needsOrigin?: boolean;
  run(world: CostWorld, o: CostOptions): Promise<Workload>;
}

/** The edge's default PRESENCE_HEARTBEAT_MS (durable-objects/config.ts). */
const DEFAULT_HEARTBEAT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (i: number) => `cost message ${i} `.padEnd(64, "x");

export const SCENARIOS: Record<CostScenarioName, Scenario> = {
  pair: { run: (w, o) => pair(w, o, { devices: 1, read: false, burst: 1 }) },
  "pair-read": { run: (w, o) => pair(w, o, { devices: 1, read: true, burst: 1 }) },
  "pair-3dev": { run: (w, o) => pair(w, o, { devices: 3, read: false, burst: 1 }) },
  "pair-closed": { run: (w, o) => pair(w, o, { devices: 1, read: false, burst: 8 }) },
  group10: { run: (w, o) => group(w, o, { members: 10, online: 10, rate: 5 }) },
  group100: { run: (w, o) => group(w, o, { members: 100, online: 100, rate: 2 }) },
  "group100-10online": { run: (w, o) => group(w, o, { members: 100, online: 10, rate: 2 }) },
  group1024: { run: (w, o) => group(w, o, { members: 1024, online: 1024, rate: 1 }) },
  "group1024-10online": { run: (w, o) => group(w, o, { members: 1024, online: 10, rate: 1 }) },
  idle: { run: (w, o) => idle(w, o) },
  "idle-origin": { needsOrigin: true, run: (w, o) => idle(w, o, DEFAULT_HEARTBEAT_MS) },
  reconnect: { run: (w, o) => reconnect(w, o) },
  actions: { run: (w, o) => actions(w, o) },
  search: { run: (w, o) => search(w, o) },
  attachments: { run: (w, o) => attachments(w, o) },
};

/**
 * Two users take turns: one side sends `burst` messages, and once every device of the other side has them
 * (and `thinkMs` passed) the other side answers. With `read`, every device has the conversation open.
 */
async function pair(
  w: CostWorld,
  o: CostOptions,
  p: { devices: number; read: boolean; burst: number },
): Promise<Workload> {
  const [a, b] = await w.users(2, p.devices);
  const { id } = await a!.api.createDirect(b!.id);
  const devices = [...a!.devices, ...b!.devices];
  await w.connect(devices);
  for (const d of devices) d.open(p.read ? id : null);
  await w.quiet();
  w.reset();
  const turns = Math.max(1, Math.round(o.messages / p.burst));
  for (let t = 0; t < turns; t++) {
    const [from, to] = t % 2 === 0 ? [a!, b!] : [b!, a!];
    const sending = from.devices[0]!;
    await Promise.all(Array.from({ length: p.burst }, (_, i) => w.send(sending, id, body(t * p.burst + i))));
    const last = w.sent.at(-1)!.seq;
    await w.until(() => to.devices.every((d) => d.has(id, last)));
    await sleep(o.thinkMs);
  }
  return {
    describe: `1:1, ${p.devices} device(s) each, ${turns} turns of ${p.burst}, ${o.thinkMs} ms apart${p.read ? ", conversation open (read)" : ""}`,
    messages: w.sent.length,
    receivers: devices,
  };
}

/**
 * A group of `members`, the first `online` of them connected with the conversation open; the others were
 * online once (their sessions exist) and are gone. One message before counting lets the conversation learn who
 * is gone (one delivery each, answered "no device": a cost per member going offline, not per message); then the
 * online members take turns sending at `rate` msg/s.
 */
async function group(
  w: CostWorld,
  o: CostOptions,
  g: { members: number; online: number; rate: number },
): Promise<Workload> {
  const users = await w.users(g.members);
  const [creator, ...others] = users;
  // Members are added at once (their setting), as a group that grew by invites would have them.
  await inParallel(others.length, 32, (i) => others[i]!.api.settings({ groupAdds: "anyone" }));
  const { id } = await creator!.api.createGroup(
    others.map((u) => u.id),
    "cost",
  );
  const all = users.map((u) => u.devices[0]!);
  await connectInWaves(w, all);
  const online = all.slice(0, g.online);
  w.disconnect(all.slice(g.online));
  for (const d of online) d.open(id);
  await w.send(online[0]!, id, "warm-up");
  await w.until(() => online.every((d) => d === online[0] || d.has(id, 1)), 60_000);
  await w.quiet();
  w.reset();
  const sends: Promise<number>[] = [];
  const started = Date.now();
  for (let i = 0; i < o.messages; i++) {
    await sleep(Math.max(0, started + (i * 1000) / g.rate - Date.now()));
    sends.push(w.send(online[i % online.length]!, id, body(i)));
  }
  await Promise.all(sends);
  await w.until(() => w.sent.every((s) => online.every((d) => d === s.device || d.has(id, s.seq))), 120_000);
  return {
    describe: `group of ${g.members}, ${g.online} online with it open, ${g.rate} msg/s from the online members in turn`,
    messages: w.sent.length,
    receivers: online,
  };
}

/**
 * Connected devices and nothing else: what an idle connection costs per hour. With an origin, devices renew the
 * user's presence every heartbeat (PRESENCE_HEARTBEAT_MS, 120 s): the window is at least three of them.
 */
async function idle(w: CostWorld, o: CostOptions, heartbeatMs = 0): Promise<Workload> {
  const users = await w.users(10);
  const devices = users.map((u) => u.devices[0]!);
  await w.connect(devices);
  await w.quiet();
  w.reset();
  const seconds = Math.max(o.idleS, (3 * heartbeatMs) / 1000);
  await sleep(seconds * 1000);
  return { describe: `10 users connected, no messages, ${seconds} s`, messages: 0, receivers: [] };
}

/** A device misses 20 messages in each of 5 conversations while offline, then comes back and catches up. */
async function reconnect(w: CostWorld, _o: CostOptions): Promise<Workload> {
  const [me, ...peers] = await w.users(6);
  const ids = await Promise.all(peers.map(async (p) => (await me!.api.createDirect(p.id)).id));
  const mine = me!.devices[0]!;
  await w.connect([mine, ...peers.map((p) => p.devices[0]!)]);
  w.disconnect([mine]);
  for (const [i, p] of peers.entries()) for (let k = 0; k < 20; k++) await w.send(p.devices[0]!, ids[i]!, body(k));
  const missed = w.sent.map((s) => ({ ...s }));
  await w.quiet();
  w.reset();
  await w.connect([mine]);
  await w.until(() => missed.every((s) => mine.has(s.conversationId, s.seq)), 60_000);
  w.sent.push(...missed);
  return {
    describe: "a device catches up on 100 messages missed in 5 conversations",
    messages: missed.length,
    receivers: [mine],
  };
}

/**
 * Message actions in a 1:1 with the conversation open on both sides: for each message sent before counting, the
 * other side reacts to it and the sender edits it; every fifth the sender then deletes it. Per action.
 */
async function actions(w: CostWorld, o: CostOptions): Promise<Workload> {
  const [a, b] = await w.users(2, 1);
  const { id } = await a!.api.createDirect(b!.id);
  const devices = [a!.devices[0]!, b!.devices[0]!];
  await w.connect(devices);
  for (const d of devices) d.open(id);
  const targets = Math.max(1, Math.round(o.messages / 2.2));
  const sent: { seq: number; by: number }[] = [];
  for (let i = 0; i < targets; i++) sent.push({ seq: await w.send(devices[i % 2]!, id, body(i)), by: i % 2 });
  await w.until(() => devices.every((d) => d.has(id, sent.at(-1)!.seq)));
  await w.quiet();
  w.reset();
  for (const [i, { seq, by }] of sent.entries()) {
    const [sender, other] = [devices[by]!, devices[1 - by]!];
    await w.act(other, id, { kind: "react", seq, emoji: "👍", on: true });
    await w.act(sender, id, { kind: "edit", seq, body: `edited ${i}` });
    if (i % 5 === 4) await w.act(sender, id, { kind: "delete", seq });
    const last = w.sent.at(-1)!.seq;
    await w.until(() => devices.every((d) => d === sender || d.has(id, last)));
    await sleep(o.thinkMs);
  }
  return {
    describe: `1:1 open on both sides: per message a reaction and an edit, every fifth also deleted (${w.sent.length} actions)`,
    messages: w.sent.length,
    receivers: devices,
  };
}

/**
 * Search in a conversation of `messages` messages: the first search builds the index (its rows, divided by the
 * messages indexed, are what indexing costs a message), then ten more messages and a second search (which indexes
 * only those). Per message indexed.
 */
async function search(w: CostWorld, o: CostOptions): Promise<Workload> {
  const [a, b] = await w.users(2, 1);
  const { id } = await a!.api.createDirect(b!.id);
  const sender = a!.devices[0]!;
  await w.connect([sender]);
  const setup = Math.max(10, o.messages);
  for (let i = 0; i < setup; i++) await w.send(sender, id, `${body(i)} word${i % 50}`);
  await w.quiet();
  w.reset();
  const first = await b!.api.search(id, "word7");
  for (let i = 0; i < 10; i++) await w.send(sender, id, `later word7 ${i}`);
  const second = await b!.api.search(id, "word7");
  if (first.messages.length === 0 || second.messages.length !== Math.min(20, first.messages.length + 10))
    throw new Error(`search found ${first.messages.length}, then ${second.messages.length}`);
  w.sent.length = 0;
  return {
    describe: `two searches of a 1:1 of ${setup} messages, ten sent between them (cost per message indexed, sends included)`,
    messages: setup + 10,
    receivers: [],
  };
}

/** The size of the photo each message carries: a phone photo as apps send it. R2 operations do not depend on it. */
const PHOTO_BYTES = 200 * 1024;

/**
 * Photos in a 1:1 with the conversation open on both sides, taking turns: the sender uploads a photo
 * (`POST …/attachments`), sends a message carrying its reference over the socket, and once the other device has the
 * message it downloads the photo whole. Per message: one upload, one message, one download.
 */
async function attachments(w: CostWorld, o: CostOptions): Promise<Workload> {
  const [a, b] = await w.users(2, 1);
  const { id } = await a!.api.createDirect(b!.id);
  const users = [a!, b!];
  const devices = users.map((u) => u.devices[0]!);
  await w.connect(devices);
  for (const d of devices) d.open(id);
  const photo = photoBytes(PHOTO_BYTES);
  await w.quiet();
  w.reset();
  for (let i = 0; i < o.messages; i++) {
    const [from, to] = [users[i % 2]!, users[1 - (i % 2)]!];
    const upload = await from.api.uploadAttachment(id, new Blob([photo], { type: "image/png" }), `photo-${i}.png`);
    const seq = await w.send(from.devices[0]!, id, "", [{ ...upload, width: 1600, height: 1200 }]);
    await w.until(() => to.devices[0]!.has(id, seq));
    const bytes = await (await to.api.downloadAttachment(id, upload.id)).arrayBuffer();
    if (bytes.byteLength !== photo.byteLength)
      throw new Error(`downloaded ${bytes.byteLength} of ${photo.byteLength} bytes`);
    await sleep(o.thinkMs);
  }
  return {
    describe: `1:1 open on both sides, taking turns: per message a ${PHOTO_BYTES / 1024} KiB photo uploaded, sent, and downloaded by the other side`,
    messages: w.sent.length,
    receivers: devices,
    breakdown: true,
  };
}

/** A PNG's signature (what the edge checks) and filler. */
function photoBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
}

/** Opening a thousand sockets at once is a reconnect storm of its own; a hundred at a time is a crowd. */
async function connectInWaves(w: CostWorld, devices: Device[]): Promise<void> {
  for (let i = 0; i < devices.length; i += 100) await w.connect(devices.slice(i, i + 100));
}
