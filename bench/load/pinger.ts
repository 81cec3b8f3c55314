/**
 * Keeps a set of idle sockets alive the way clients do: each socket sends one frame every `intervalS`,
 * spread evenly over time, and every `pong` that comes back is counted.
 */
import type WebSocket from "ws";

export const PING = '{"type":"ping"}';
/** A ping the runtime's auto-response does not match (extra space): it reaches the object, waking it. */
export const WAKING_PING = '{"type": "ping"}';
export const PONG = '{"type":"pong"}';

const TICK_MS = 20;

export class Pinger {
  pongs = 0;
  sent = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `counting`: the pinger whose frame handler the sockets were opened with (it counts their pongs). */
  constructor(
    private readonly sockets: WebSocket[],
    private readonly counting?: Pinger,
  ) {}

  /** The frame handler for every socket: counts pongs (the ceiling relays a waking ping back as is). */
  readonly onFrame = (text: string): void => {
    if (text === PONG || text === WAKING_PING) this.pongs++;
  };

  get answered(): number {
    return this.counting ? this.counting.pongs : this.pongs;
  }

  /** Sends `frame` from every socket once per `intervalS`, round-robin, until `stop`. */
  start(frame: string, intervalS: number): void {
    const perTick = (this.sockets.length * TICK_MS) / (intervalS * 1000);
    let owed = 0;
    let next = 0;
    this.timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--) {
        const ws = this.sockets[next++ % this.sockets.length]!;
        if (ws.readyState !== ws.OPEN) continue;
        ws.send(frame);
        this.sent++;
      }
    }, TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resets the counters (between phases). */
  reset(): void {
    (this.counting ?? this).pongs = 0;
    this.sent = 0;
  }
}
