/**
 * When sends happen. Open loop: the whole run's sends are laid on a clock (message i is due at
 * start + i / rate, round-robin over the senders) and each is timed from when it was due, not from when the
 * event loop got to it, so a slow system cannot hide its queueing (no coordinated omission). Closed loop:
 * each sender keeps `window` sends unacknowledged, sending the next as soon as an ack frees a slot.
 */
export type SendFn = (sender: number, t0: number) => void;

export interface Loop {
  start(): void;
  /** A send of `sender` was acknowledged or refused. */
  settled(sender: number): void;
  stop(): void;
}

export function openLoop(senders: number, ratePerSec: number, startAt: number, endAt: number, send: SendFn): Loop {
  const interval = 1000 / ratePerSec;
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    const now = performance.now();
    for (let due = startAt + i * interval; due <= now && due < endAt; due = startAt + i * interval) {
      send(i % senders, due);
      i++;
    }
    const next = startAt + i * interval;
    if (!stopped && next < endAt) timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  return {
    start: tick,
    settled: () => undefined,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export function closedLoop(senders: number, window: number, endAt: number, send: SendFn): Loop {
  let stopped = false;
  const sendNow = (sender: number): void => {
    const now = performance.now();
    if (!stopped && now < endAt) send(sender, now);
  };
  return {
    start: () => {
      for (let w = 0; w < window; w++) for (let s = 0; s < senders; s++) sendNow(s);
    },
    settled: sendNow,
    stop: () => {
      stopped = true;
    },
  };
}
