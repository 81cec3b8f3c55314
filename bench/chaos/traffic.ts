/**
 * Legitimate traffic: every device sends into its user's conversations at a steady total rate, with at most
 * `window` unacknowledged sends per device (so an outage holds back a bounded backlog instead of an unbounded
 * one); a share of the sends are actions (edits, deletes, reactions) or replies (actions.ts), and a share of the
 * messages carry a file uploaded first (files.ts; the upload counts against the device's window while it runs). Every
 * send is recorded with its clientMsgId, order and outcome; the ChatClient retries it with the same clientMsgId
 * across drops and restarts until it is acknowledged or refused.
 */
import type { Action, ActionKind, ActionRequest, Quote } from "../../protocol/actions.js";
import type { Attachment } from "../../protocol/attachments.js";
import type { AckFrame } from "../../protocol/frames.js";
import { ActionPicker } from "./actions.js";
import type { Cast } from "./cast.js";
import { Device } from "./device.js";
import { Files } from "./files.js";
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
  /** A message's attachment references: as sent, then as its ack says they were stored. */
  attachments?: Attachment[];
  senderId: string;
  deviceKey: string;
  /**
   * Position among all sends of the run, taken when the send is handed to the client (after its upload): a device's
   * sends into one conversation must get seqs in this order.
   */
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
  /** The share of messages that carry a file. */
  attachments: number;
  /** Called right after a send left the client (socket-drops uses it to cut the ack off). */
  afterSend?: (device: Device, sent: Sent) => void;
}

/** The traffic a run's options ask for. */
export function trafficOptions(
  o: Pick<TrafficOptions, "rate" | "window" | "size" | "actions" | "attachments">,
  tag: string,
  afterSend?: TrafficOptions["afterSend"],
): TrafficOptions {
  const { rate, window, size, actions, attachments } = o;
  return { tag, rate, window, size, actions, attachments, ...(afterSend ? { afterSend } : {}) };
}

const TICK_MS = 20;
/** An upload is tried again while the edge is down or restarting, up to this long (past any fault's outage). */
const UPLOAD_GIVE_UP_MS = 120_000;

export class Traffic {
  readonly devices: Device[];
  /** The devices that take part while traffic runs (the others connect only for the audit). */
  readonly online: Device[];
  readonly sends = new Map<string, Sent>();
  /** Ticks where every device was at its window: the backlog an outage held back. */
  heldBack = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private issued = 0;
  /** Sends handed to the client so far: the next one's `order`. */
  private submitted = 0;
  /** Uploads running, per device: they hold a place in its window. */
  private readonly uploading = new Map<Device, number>();
  readonly files: Files;
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
    this.files = new Files(url, random, UPLOAD_GIVE_UP_MS);
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
    while (this.devices.some((d) => this.busy(d) > 0)) {
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
      if (this.busy(device) < this.o.window) return device;
    }
    return this.online.find((d) => this.busy(d) < this.o.window);
  }

  private busy(device: Device): number {
    return device.chat.unacked + (this.uploading.get(device) ?? 0);
  }

  private send(device: Device): void {
    const user = this.cast.users.find((u) => u.id === device.userId)!;
    ++this.issued;
    const conversationId = this.random.pick(user.conversations);
    const request = this.random.chance(this.o.actions)
      ? this.picker.pick(device.userId, device.key, conversationId)
      : null;
    if (request) return this.submit(device, conversationId, { kind: request.kind, request });
    const replyTo = this.random.chance(this.o.actions) ? this.picker.replyTarget(conversationId) : undefined;
    const message = { kind: "message" as const, ...(replyTo !== undefined ? { replyTo } : {}) };
    if (!this.random.chance(this.o.attachments)) return this.submit(device, conversationId, message);
    // A caption or none: an attachment's message may have an empty body.
    const caption = this.random.chance(0.5);
    const name = `${this.o.tag}-${this.issued}`;
    this.sendWithFile(device, user.token, conversationId, name, message, caption).catch((error: unknown) =>
      this.files.counts.failures.push(`send with a file: ${String(error)}`),
    );
  }

  /** Uploads a file, then sends the message carrying it; the upload holds a place in the device's window meanwhile. */
  private async sendWithFile(
    device: Device,
    token: string,
    conversationId: string,
    name: string,
    message: Pick<Sent, "kind" | "replyTo">,
    caption: boolean,
  ): Promise<void> {
    this.uploading.set(device, (this.uploading.get(device) ?? 0) + 1);
    try {
      const attachment = await this.files.upload(token, conversationId, name);
      if (attachment) this.submit(device, conversationId, { ...message, attachments: [attachment] }, caption);
    } finally {
      this.uploading.set(device, this.uploading.get(device)! - 1);
    }
  }

  /** Hands a send to the device's client, recording it in the order sends are handed over. */
  private submit(
    device: Device,
    conversationId: string,
    what: Pick<Sent, "kind" | "request" | "replyTo" | "attachments">,
    caption = true,
  ): void {
    const order = ++this.submitted;
    const clientMsgId = `${this.o.tag}-${order}`;
    const base = { clientMsgId, conversationId, senderId: device.userId, deviceKey: device.key, order, at: Date.now() };
    const text = what.kind === "message" && caption ? `${device.key} #${order} `.padEnd(this.o.size, ".") : "";
    const sent: Sent = { ...base, ...what, body: text };
    const ack: Promise<AckFrame> = what.request
      ? device.chat.act(conversationId, what.request, clientMsgId)
      : device.chat.send(conversationId, text, clientMsgId, what.replyTo, what.attachments);
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
    if (ack.attachments) sent.attachments = ack.attachments;
    this.picker.acked(sent);
  }
}
