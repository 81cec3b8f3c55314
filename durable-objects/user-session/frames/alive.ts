/** `alive`: a device renews the user's presence lease at origin (every `heartbeatMs` of its hello; see presence.ts). */
import type { SessionHost } from "../host.js";

export function onAlive(host: Pick<SessionHost, "userId" | "presence">): Promise<void> {
  return host.presence.renew(host.userId);
}
