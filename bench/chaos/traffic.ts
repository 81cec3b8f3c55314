/**
 * Legitimate traffic: every device sends into its user's conversations at a steady total rate, with at most
 * `window` unacknowledged sends per device (so an outage holds back a bounded backlog instead of an unbounded
 * one); a share of the sends are actions (edits, deletes, reactions) or replies (actions.ts). Every send is recorded
 * with its clientMsgId, order and outcome; the ChatClient retries it with the same clientMsgId across drops and
 * restarts until it is acknowledged or refused.
 */
import type { Action, ActionKind, ActionRequest, Quote } from "../../protocol/actions.js";
import type { AckFrame } from "../../protocol/frames.js";
import { ActionPicker } from "./actions.js";
import type { Cast } from "./cast.js";
import { Device } from "./device.js";
import type { Random } from "./random.js";

export interface Sent {
  clientMsgId: string;
  conversationId: string;
  kind: "message" | ActionKind;
  /** A message's body; empty for an action. */
  body: string;
  /** What an action asked, and what its ack said it did. */
  request?: ActionRequest;
  action?: Action;
  /** A reply: the seq it quotes, and the quote its ack carried. */
  replyTo?: number;
  quote?: Quote;
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
  /** The share of sends that are actions on earlier messages (when one can be taken), and of messages that reply. */
  actions: number;
  /** Called right after a send left the client (socket-drops uses it to cut the ack off). */
  afterSend?: (device: Device, sent: Sent) => void;
}

/** The traffic a run's options ask for. */
export function trafficOptions(
  o: Pick<TrafficOptions, "rate" | "window" | "size" | "actions">,
  tag: string,
  afterSend?: TrafficOptions["afterSend"],
): TrafficOptions {
  return { tag, rate: o.rate, window: o.window, size: o.size, actions: o.actions, ...(afterSend ? { afterSend } : {}) };
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
  private readonly picker: ActionPicker;

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
    this.picker = new ActionPicker(random);
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
    const conversationId = this.random.pick(user.conversations);
    const base = { clientMsgId, conversationId, senderId: device.userId, deviceKey: device.key, order, at: Date.now() };
    const request = this.random.chance(this.o.actions)
      ? this.picker.pick(device.userId, device.key, conversationId)
      : null;
    let sent: Sent;
    let ack: Promise<AckFrame>;
    if (request) {
      sent = { ...base, kind: request.kind, body: "", request };
      ack = device.chat.act(conversationId, request, clientMsgId);
    } else {
      const replyTo = this.random.chance(this.o.actions) ? this.picker.replyTarget(conversationId) : undefined;
      sent = { ...base, kind: "message", body: `${device.key} #${order} `.padEnd(this.o.size, ".") };
      if (replyTo !== undefined) sent.replyTo = replyTo;
      ack = device.chat.send(conversationId, sent.body, clientMsgId, replyTo);
    }
    this.sends.set(clientMsgId, sent);
    ack.then(
      (a) => this.acked(sent, a),
      (error: { code?: string }) => (sent.refused = error.code ?? String(error)),
    );
    this.o.afterSend?.(device, sent);
  }

  private acked(sent: Sent, ack: AckFrame): void {
    Object.assign(sent, { ackAt: Date.now(), seq: ack.seq, duplicate: ack.duplicate });
    if (ack.action) sent.action = ack.action;
    if (ack.replyTo) sent.quote = ack.replyTo;
    this.picker.acked(sent);
  }
}
