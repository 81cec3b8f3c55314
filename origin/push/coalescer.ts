/**
 * Coalesces bursts: the first message for an offline recipient in a conversation opens a window of `windowMs`; every
 * message for the same (user, conversation) until it closes joins it, and the window becomes one notification (the
 * newest message, and how many arrived). A window whose handling fails is retried later, with backoff, keeping what
 * it holds (the consumer's holds on its records, which stay uncommitted until then). A message deleted for everyone
 * while a window still holds it is taken out (`retract`): its text is never shown by a notification sent after that;
 * one edited meanwhile shows its new text (`revise`).
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

/** The messages of one (user, conversation) window, each with what it came with. */
interface Window<H> {
  key: string;
  userId: string;
  conversationId: string;
  entries: { message: MessageEvent; hold: H }[];
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export class Coalescer<H> {
  /** The windows messages still join, by (user, conversation). */
  private readonly open = new Map<string, Window<H>>();
  /** Windows waiting for their timer: open, or failed and waiting to be retried. */
  private readonly timers = new Map<Window<H>, NodeJS.Timeout>();
  /** Every window not handled yet (waiting or being handled), by conversation: what a retraction looks at. */
  private readonly pending = new Map<string, Set<Window<H>>>();
  private readonly flushing = new Set<Promise<void>>();
  private draining = false;

  constructor(
    private readonly windowMs: number,
    private readonly flush: FlushHandler<H>,
  ) {}

  /** `message` for `userId`, with `hold` (kept by the window until it was handled, or the message retracted). */
  add(userId: string, message: MessageEvent, hold: H): void {
    const key = `${userId}\n${message.conversationId}`;
    const window = this.open.get(key);
    if (window) {
      window.entries.push({ message, hold });
      return;
    }
    const opened: Window<H> = { key, userId, conversationId: message.conversationId, entries: [{ message, hold }] };
    this.open.set(key, opened);
    const windows = this.pending.get(opened.conversationId) ?? new Set();
    this.pending.set(opened.conversationId, windows.add(opened));
    this.schedule(opened, this.windowMs, exponentialBackoff(RETRY_BASE_MS, RETRY_MAX_MS));
  }

  /**
   * Takes the message at `seq` out of every window of the conversation not handled yet, and answers what it came
   * with: nothing is sent for it any more, so the caller lets those go. A window left empty sends nothing. A window
   * being handled right now may still show it (that attempt's payload is made); a retry of it will not.
   */
  retract(conversationId: string, seq: number): H[] {
    const released: H[] = [];
    for (const window of this.pending.get(conversationId) ?? []) {
      const [out, kept] = partition(window.entries, (e) => e.message.seq === seq);
      if (out.length === 0) continue;
      released.push(...out.map((e) => e.hold));
      window.entries = kept;
      const timer = this.timers.get(window);
      if (kept.length === 0 && timer !== undefined) {
        clearTimeout(timer);
        this.timers.delete(window);
        this.settle(window);
      }
    }
    return released;
  }

  /** The message at `seq` was edited: a notification not sent yet shows its new text. */
  revise(conversationId: string, seq: number, body: string): void {
    for (const window of this.pending.get(conversationId) ?? [])
      for (const entry of window.entries) if (entry.message.seq === seq) entry.message = { ...entry.message, body };
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
        this.flush(notificationOf(window)).then(
          () => undefined,
          () => undefined,
        ),
      );
    this.pending.clear();
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  private schedule(window: Window<H>, delayMs: number, backoff: Backoff): void {
    const timer = setTimeout(() => {
      this.timers.delete(window);
      if (this.open.get(window.key) === window) this.open.delete(window.key);
      this.track(this.run(window, backoff));
    }, delayMs);
    this.timers.set(window, timer);
  }

  private async run(window: Window<H>, backoff: Backoff): Promise<void> {
    const handled = await this.flush(notificationOf(window)).catch(() => false);
    if (handled || this.draining || window.entries.length === 0) this.settle(window);
    else this.schedule(window, backoff.next(), backoff);
  }

  /** The window is done with: handled, or emptied by retractions. */
  private settle(window: Window<H>): void {
    if (this.open.get(window.key) === window) this.open.delete(window.key);
    const windows = this.pending.get(window.conversationId);
    windows?.delete(window);
    if (windows?.size === 0) this.pending.delete(window.conversationId);
  }

  private track(work: Promise<void>): void {
    this.flushing.add(work);
    const done = () => this.flushing.delete(work);
    work.then(done, done);
  }
}

function notificationOf<H>({ userId, conversationId, entries }: Window<H>): Notification<H> {
  const latest = entries.reduce((a, b) => (b.message.seq > a.message.seq ? b : a)).message;
  return { userId, conversationId, latest, count: entries.length, holds: entries.map((e) => e.hold) };
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
