/**
 * Presence has no push frame in the protocol, so the page polls `GET /v1/presence` for the people it shows:
 * the peers of direct chats and the members of the open conversation (at most 100 per request).
 */
import type { ChatApi } from "../../client/api.js";
import { MAX_PRESENCE_QUERY } from "../../protocol/limits.js";
import type { Presence } from "../../protocol/message.js";
import { peerOf, type Conv } from "./model.js";

const EVERY_MS = 15_000;

interface PresenceHost {
  readonly api: ChatApi;
  readonly me: string;
  readonly conversations: Record<string, Conv>;
  readonly selected: string | null;
  presence: Record<string, Presence>;
  changed(): void;
}

export class PresencePoller {
  private timer: ReturnType<typeof setInterval> | null = null;
  private soon: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: PresenceHost) {}

  start(): void {
    this.timer = setInterval(() => this.fetch(), EVERY_MS);
    this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
  }

  /** Polls shortly, coalescing the bursts of calls a list refresh or a selection cause. */
  poll(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.fetch();
    }, 200);
  }

  private users(): string[] {
    const { conversations, selected, me } = this.host;
    const users = new Set(selected ? (conversations[selected]?.members ?? []) : []);
    for (const conv of Object.values(conversations)) {
      const peer = peerOf(conv, me);
      if (peer) users.add(peer);
    }
    users.delete(me);
    return [...users].slice(0, MAX_PRESENCE_QUERY);
  }

  private fetch(): void {
    const users = this.users();
    if (users.length === 0) return;
    // A failed poll only leaves presence a little stale; the connection banner already reports an outage.
    this.host.api.presence(users).then(
      (answer) => {
        this.host.presence = { ...this.host.presence, ...answer };
        this.host.changed();
      },
      () => undefined,
    );
  }
}
