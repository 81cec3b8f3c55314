/**
 * The user's presence at origin: `online` with a lease when the first device connects, renewed by the devices'
 * `alive` frames (at most every half heartbeat), `online: false` when the last device goes. No outbox and no
 * alarm: presence is soft state, and a renewal that fails is made good by the next; if this runtime dies, the
 * lease runs out and origin shows the user offline. Nothing is written per renewal.
 */
import type { PresenceEvent } from "../../protocol/index.js";
import { ingestEnvelope } from "../../protocol/ingest-batch.js";
import type { EdgeConfig } from "../config.js";
import type { Ingest } from "../shared/forwarder.js";

/** A lease outlasts two missed heartbeats and a half. */
const LEASE_HEARTBEATS = 2.5;

export class PresenceReporter {
  private renewedAt = 0;

  constructor(
    private readonly config: Pick<EdgeConfig, "originUrl" | "presenceHeartbeatMs">,
    private readonly origin: Ingest,
  ) {}

  /** How often devices send `alive` (0: never; without an origin there is no presence to keep). */
  get heartbeatMs(): number {
    return this.config.originUrl ? this.config.presenceHeartbeatMs : 0;
  }

  online(userId: string, now = Date.now()): Promise<void> {
    this.renewedAt = now;
    return this.post({
      kind: "presence",
      userId,
      online: true,
      at: now,
      leaseMs: Math.round(this.config.presenceHeartbeatMs * LEASE_HEARTBEATS),
    });
  }

  /** A device's `alive`: renews the lease unless another device just did. */
  renew(userId: string, now = Date.now()): Promise<void> {
    if (now - this.renewedAt < this.heartbeatMs / 2) return Promise.resolve();
    return this.online(userId, now);
  }

  offline(userId: string, now = Date.now()): Promise<void> {
    this.renewedAt = 0;
    return this.post({ kind: "presence", userId, online: false, at: now });
  }

  /** A refusal is logged by the origin client; the next renewal makes it good. */
  private async post(event: PresenceEvent): Promise<void> {
    if (!this.config.originUrl) return;
    await this.origin.post("/v1/ingest", ingestEnvelope([JSON.stringify(event)]));
  }
}
