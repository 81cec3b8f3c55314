/**
 * Coalesces bursts: the first message for an offline recipient in a conversation opens a window of `windowMs`; every
 * message for the same (user, conversation) until it closes joins it, and the window becomes one notification (the
 * newest message, and how many arrived). A window whose handling fails is retried later, with backoff, keeping what
 * it holds (the consumer's holds on its records, which stay uncommitted until then).
 */
import { exponentialBackoff, type Backoff } from "../../protocol/backoff.js";
import type { MessageEvent } from "../../protocol/events.js";

export interface Notification<H> {
  userId: string;
  conversationId: string;
  /** The newest message of the window (highest seq); the windows of one message's recipients share it. */
  latest: MessageEvent;
  count: number;
  /** What each message added to the window came with, in order. */
  holds: H[];
}

/** true when handled (what the window holds may be let go), false to retry the window later. */
export type FlushHandler<H> = (notification: Notification<H>) => Promise<boolean>;

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export class Coalescer<H> {
  private readonly open = new Map<string, Notification<H>>();
  private readonly timers = new Map<Notification<H>, NodeJS.Timeout>();
  private readonly flushing = new Set<Promise<void>>();
  private draining = false;

  constructor(
    private readonly windowMs: number,
    private readonly flush: FlushHandler<H>,
  ) {}

  /** `message` for `userId`, with `hold` (kept by the window until it was handled). */
  add(userId: string, message: MessageEvent, hold: H): void {
    const key = `${userId}\n${message.conversationId}`;
    const window = this.open.get(key);
    if (window) {
      window.count += 1;
      window.holds.push(hold);
      if (message.seq > window.latest.seq) window.latest = message;
      return;
    }
    const opened: Notification<H> = {
      userId,
      conversationId: message.conversationId,
      latest: message,
      count: 1,
      holds: [hold],
    };
    this.open.set(key, opened);
    this.schedule(opened, this.windowMs, () => this.open.delete(key), exponentialBackoff(RETRY_BASE_MS, RETRY_MAX_MS));
  }

  /** Closes every window now and waits for all handling to finish (shutdown). Failed windows are not retried. */
  async drain(): Promise<void> {
    this.draining = true;
    const waiting = [...this.timers.keys()];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.open.clear();
    for (const window of waiting)
      this.track(
        this.flush(window).then(
          () => undefined,
          () => undefined,
        ),
      );
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  private schedule(window: Notification<H>, delayMs: number, onClose: () => void, backoff: Backoff): void {
    const timer = setTimeout(() => {
      this.timers.delete(window);
      onClose();
      this.track(this.run(window, backoff));
    }, delayMs);
    this.timers.set(window, timer);
  }

  private async run(window: Notification<H>, backoff: Backoff): Promise<void> {
    const handled = await this.flush(window).catch(() => false);
    if (handled || this.draining) return;
    this.schedule(window, backoff.next(), () => undefined, backoff);
  }

  private track(work: Promise<void>): void {
    this.flushing.add(work);
    const done = () => this.flushing.delete(work);
    work.then(done, done);
  }
}
