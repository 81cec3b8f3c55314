/**
 * One cost scenario's system: a fresh edge in workerd (Worker and both Durable Object classes, SQLite on tmpfs) with
 * the meter on, its users and conversations made over HTTP, and their devices; what it counts starts at `reset()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ActionRequest } from "../../protocol/actions.js";
import type { Attachment } from "../../protocol/attachments.js";
import { ChatApi } from "../../client/api.js";
import { buildWorker } from "../../test/support/bundle.js";
import { startEdge, type Edge } from "../../test/support/edge.js";
import { limitBindings } from "../targets/edge.js";
import { runTag } from "../targets/target.js";
import { Device } from "./device.js";
import { Ledger } from "./ledger.js";

export interface User {
  id: string;
  token: string;
  api: ChatApi;
  devices: Device[];
}

export interface Sent {
  conversationId: string;
  seq: number;
  device: Device;
}

export class CostWorld {
  readonly ledger = new Ledger();
  readonly sent: Sent[] = [];
  private readonly tag = runTag();
  /** Each device's connected time inside the counted window (ms), for per-device-hour figures. */
  private readonly connectedMs = new Map<Device, { since: number | null; total: number }>();
  private countingSince = 0;

  private constructor(
    readonly edge: Edge,
    private readonly persistDir: string,
  ) {}

  static async start(bindings: Record<string, string> = {}): Promise<CostWorld> {
    await buildWorker();
    const persistDir = mkdtempSync(join("/dev/shm", "edge-cost-"));
    let world: CostWorld | null = null;
    const edge = await startEdge({
      persistDir,
      bindings: { METER: "log", ...limitBindings(1_000_000), ...bindings },
      onStdout: (line) => world?.ledger.take(line),
    });
    world = new CostWorld(edge, persistDir);
    return world;
  }

  async users(n: number, devicesEach = 1): Promise<User[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const id = `c${this.tag}-u${i}`;
        const token = await ChatApi.devToken(this.edge.url, id);
        const devices = Array.from({ length: devicesEach }, (_, d) => new Device(this.edge.url, token, `d${d}`));
        return { id, token, api: new ChatApi(this.edge.url, token), devices };
      }),
    );
  }

  async connect(devices: Device[]): Promise<void> {
    await Promise.all(devices.map((d) => d.connect()));
    for (const d of devices) this.connectedMs.set(d, { since: Date.now(), total: this.connectedMs.get(d)?.total ?? 0 });
  }

  disconnect(devices: Device[]): void {
    for (const d of devices) {
      d.close();
      const c = this.connectedMs.get(d);
      if (c?.since != null) c.total += Date.now() - Math.max(c.since, this.countingSince);
      if (c) c.since = null;
    }
  }

  /** Counting starts now: setup (users, conversations, first connects) is not what a message costs. */
  reset(): void {
    this.ledger.reset();
    this.sent.length = 0;
    this.countingSince = Date.now();
    for (const c of this.connectedMs.values()) c.total = 0;
  }

  async send(device: Device, conversationId: string, body: string, attachments?: Attachment[]): Promise<number> {
    const ack = await device.client.send(conversationId, body, undefined, undefined, attachments);
    this.sent.push({ conversationId, seq: ack.seq, device });
    return ack.seq;
  }

  /** An edit, delete or reaction: an entry of the log that every other device must be handed, like a message. */
  async act(device: Device, conversationId: string, action: ActionRequest): Promise<void> {
    const ack = await device.client.act(conversationId, action);
    this.sent.push({ conversationId, seq: ack.seq, device });
  }

  /** Device-hours of connection inside the counted window. */
  deviceHours(): number {
    const now = Date.now();
    let ms = 0;
    for (const c of this.connectedMs.values())
      ms += c.total + (c.since != null ? now - Math.max(c.since, this.countingSince) : 0);
    return ms / 3_600_000;
  }

  /** Waits until `check` holds, polling; false after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** Waits until the edge has done nothing for `quietMs`: what setup started is over before counting starts. */
  async quiet(quietMs = 1_500): Promise<void> {
    while (Date.now() - this.ledger.lastActivity < quietMs) await new Promise((r) => setTimeout(r, 100));
  }

  /**
   * Waits until the edge has been quiet (no meter line) for `quietMs`, and at least `minMs` in all: retries and
   * alarms a message left behind belong to its cost.
   */
  async settle(minMs: number, quietMs = 3_000): Promise<void> {
    const start = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const now = Date.now();
      if (now - start >= minMs && now - Math.max(this.ledger.lastAt, start) >= quietMs) break;
    }
    this.ledger.stop();
  }

  async stop(): Promise<void> {
    for (const d of this.connectedMs.keys()) d.close();
    await this.edge.stop();
    rmSync(this.persistDir, { recursive: true, force: true });
  }
}
