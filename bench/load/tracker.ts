/**
 * Follows every message of a run from its scheduled send to every member device, and checks the guarantees
 * on the way: per device and conversation, seqs arrive as last + 1 (no gap, no repeat), the inbox cursor
 * as last + 1, each sender's messages in the order it sent them; at the end every acked message has reached
 * every member device exactly once. Latency is recorded in µs in HDR histograms.
 */
import { build, type Histogram } from "hdr-histogram-js";

export interface Delivered {
  clientMsgId: string;
  conversationId: string;
  /** Only the edge numbers messages (the ceiling relays frames as is). */
  seq?: number;
}

export interface Correctness {
  /** Member deliveries of acked messages that had not arrived when the run drained (or its drain timed out). */
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Sends not acknowledged by then. */
  unacked: number;
  /** Sends the edge refused with an error frame (rate limit, unavailable…): none should be, the bench sets the limits. */
  refused: number;
}

interface Tracked {
  sender: number;
  n: number;
  /** When the send was due (open loop) or made (closed loop), performance.now() ms. */
  t0: number;
  acked: boolean;
  pending: number;
  measured: boolean;
}

/** One device's view, for the order checks. */
export class DeviceState {
  readonly lastSeq = new Map<string, number>();
  readonly lastN = new Map<number, number>();
  constructor(readonly sender: number | null) {}
}

export const newHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

export class Tracker {
  readonly latency = newHistogram();
  readonly ackLatency = newHistogram();
  readonly messages = new Map<string, Tracked>();
  readonly fault: Correctness = { lost: 0, duplicated: 0, outOfOrder: 0, unacked: 0, refused: 0 };
  sent = 0;
  acked = 0;
  deliveries = 0;
  completed = 0;
  /** Completions and deliveries inside the measurement window. */
  windowCompleted = 0;
  windowDeliveries = 0;
  windowStart = Infinity;
  windowEnd = Infinity;
  private readonly recipients: Map<string, number>;

  /** `recipients`: how many devices each conversation delivers to (the sending device included). */
  constructor(recipients: Map<string, number>) {
    this.recipients = recipients;
  }

  sending(clientMsgId: string, conversationId: string, sender: number, n: number, t0: number): void {
    const measured = t0 >= this.windowStart && t0 < this.windowEnd;
    this.messages.set(clientMsgId, {
      sender,
      n,
      t0,
      acked: false,
      pending: this.recipients.get(conversationId)!,
      measured,
    });
    this.sent++;
  }

  senderOf(clientMsgId: string): number | undefined {
    return this.messages.get(clientMsgId)?.sender;
  }

  ack(clientMsgId: string, now: number): number | null {
    const m = this.messages.get(clientMsgId);
    if (!m || m.acked) return null;
    m.acked = true;
    this.acked++;
    if (m.measured) this.ackLatency.recordValue(Math.max(1, Math.round((now - m.t0) * 1000)));
    return m.sender;
  }

  refused(clientMsgId: string): number | null {
    const m = this.messages.get(clientMsgId);
    if (!m || m.acked) return null;
    this.fault.refused++;
    this.messages.delete(clientMsgId);
    return m.sender;
  }

  /** A message frame reached `device`: checked, counted, timed. */
  delivered(device: DeviceState, frame: Delivered, now: number): void {
    const m = this.messages.get(frame.clientMsgId);
    if (!m) return void this.fault.duplicated++;
    if (!this.inOrder(device, frame, m)) return;
    m.pending--;
    this.deliveries++;
    const inWindow = now >= this.windowStart && now < this.windowEnd;
    if (inWindow) this.windowDeliveries++;
    if (m.measured && device.sender !== m.sender)
      this.latency.recordValue(Math.max(1, Math.round((now - m.t0) * 1000)));
    if (m.pending === 0) {
      this.completed++;
      if (inWindow) this.windowCompleted++;
    }
  }

  private inOrder(device: DeviceState, frame: Delivered, m: Tracked): boolean {
    const lastN = device.lastN.get(m.sender) ?? 0;
    if (m.n <= lastN) {
      this.fault[m.n === lastN ? "duplicated" : "outOfOrder"]++;
      return false;
    }
    if (m.n !== lastN + 1) this.fault.outOfOrder++;
    device.lastN.set(m.sender, m.n);
    if (frame.seq !== undefined) {
      // Pushes skip the device's own messages (their acks tell it): seqs only rise.
      const lastSeq = device.lastSeq.get(frame.conversationId) ?? 0;
      if (frame.seq <= lastSeq) this.fault.outOfOrder++;
      device.lastSeq.set(frame.conversationId, frame.seq);
    }
    return true;
  }

  /** True once every send is acked (or refused) and every accepted message reached every member device. */
  settled(): boolean {
    const accepted = this.sent - this.fault.refused;
    return this.acked === accepted && this.completed === accepted;
  }

  /** Final accounting: what is still missing counts as lost (acked) or unacked. */
  finish(): Correctness {
    for (const m of this.messages.values()) {
      if (!m.acked) this.fault.unacked++;
      else this.fault.lost += m.pending;
    }
    return { ...this.fault };
  }
}
