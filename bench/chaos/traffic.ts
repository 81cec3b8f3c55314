/**
 * Legitimate traffic: every device sends into its user's conversations at a steady total rate, with at most
 * `window` unacknowledged sends per device (so an outage holds back a bounded backlog instead of an unbounded
 * one). Every send is recorded with its clientMsgId, order and outcome; the ChatClient retries it with the
 * same clientMsgId across drops and restarts until it is acknowledged or refused.
 */
import type { Cast } from "./cast.js";
import { Device } from "./device.js";
import type { Random } from "./random.js";

export interface Sent {
  clientMsgId: string;
  conversationId: string;
  body: string;
  senderId: string;
  deviceKey: string;
  /** Position among all sends of the run: a device's sends into one conversation must get seqs in this order. */
  order: number;
  at: number;
  ackAt?: number;
  seq?: number;
  duplicate?: boolean;
  refused?: string;
}

export interface TrafficOptions {
  tag: string;
  rate: number;
  window: number;
  size: number;
  /** Called right after a send left the client (socket-drops uses it to cut the ack off). */
  afterSend?: (device: Device, sent: Sent) => void;
}

const TICK_MS = 20;

export class Traffic {
  readonly devices: Device[];
  /** The devices that take part while traffic runs (the others connect only for the audit). */
  readonly online: Device[];
  readonly sends = new Map<string, Sent>();
  /** Ticks where every device was at its window: the backlog an outage held back. */
  heldBack = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private issued = 0;
  private startedAt = 0;
  private issuedAtStart = 0;

  constructor(
    readonly cast: Cast,
    url: string,
    private readonly random: Random,
    private readonly o: TrafficOptions,
  ) {
    this.devices = cast.users.flatMap((u) =>
      u.deviceIds.map((d) => new Device(u.id, d, url, u.token, u.conversations, u.offlineDeviceIds.includes(d))),
    );
    this.online = this.devices.filter((d) => !d.offline);
  }

  async connect(): Promise<void> {
    await Promise.all(this.online.map((d) => d.connect()));
  }

  start(): void {
    if (this.timer || this.o.rate <= 0) return;
    this.startedAt = Date.now();
    this.issuedAtStart = this.issued;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits until every send is acknowledged or refused; false on timeout. */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.devices.some((d) => d.chat.unacked > 0)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  close(): void {
    this.stop();
    for (const d of this.devices) d.close();
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.startedAt) / 1000) * this.o.rate) - (this.issued - this.issuedAtStart);
    for (let i = 0; i < due; i++) {
      const device = this.pickDevice();
      if (!device) {
        this.heldBack++;
        this.issued += due - i; // skipped, not postponed: the rate stays the rate once the outage ends
        return;
      }
      this.send(device);
    }
  }

  private pickDevice(): Device | undefined {
    for (let attempt = 0; attempt < 8; attempt++) {
      const device = this.random.pick(this.online);
      if (device.chat.unacked < this.o.window) return device;
    }
    return this.online.find((d) => d.chat.unacked < this.o.window);
  }

  private send(device: Device): void {
    const user = this.cast.users.find((u) => u.id === device.userId)!;
    const order = ++this.issued;
    const clientMsgId = `${this.o.tag}-${order}`;
    const head = `${device.key} #${order} `;
    const sent: Sent = {
      clientMsgId,
      conversationId: this.random.pick(user.conversations),
      body: head.padEnd(this.o.size, "."),
      senderId: device.userId,
      deviceKey: device.key,
      order,
      at: Date.now(),
    };
    this.sends.set(clientMsgId, sent);
    device.chat.send(sent.conversationId, sent.body, clientMsgId).then(
      (ack) => Object.assign(sent, { ackAt: Date.now(), seq: ack.seq, duplicate: ack.duplicate }),
      (error: { code?: string }) => (sent.refused = error.code ?? String(error)),
    );
    this.o.afterSend?.(device, sent);
  }
}
