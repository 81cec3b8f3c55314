/**
 * PushSender with the web-push library for encryption and VAPID headers, and fetch for the request.
 * web-push's own `sendNotification` always speaks https (it calls `https.request`), which would rule out a local
 * push service in tests; `generateRequestDetails` is the documented way to bring one's own transport.
 *
 * Redirects are never followed: the endpoint policy is checked on the subscription's URL, and a redirect would take
 * the request (VAPID token and all) wherever the endpoint's server says, an internal address included. Push
 * services answer 201 (RFC 8030 §5); a 3xx is a failed push.
 */
import webpush from "web-push";
import type { PushSubscription } from "../../protocol/http.js";
import type { VapidKeys } from "../config.js";
import { refuseEndpoint, type EndpointPolicy } from "../../protocol/push-endpoint.js";
import { errorMessage } from "../shared/timeout.js";
import type { PushOptions, PushOutcome, PushSender, PushVerdict } from "./push-sender.js";

const REQUEST_TIMEOUT_MS = 10_000;

export class WebPushSender implements PushSender {
  constructor(
    private readonly vapid: VapidKeys,
    private readonly endpoints: EndpointPolicy,
  ) {}

  async send(subscription: PushSubscription, payload: string, options: PushOptions): Promise<PushOutcome> {
    const refused = refuseEndpoint(subscription.endpoint, this.endpoints);
    if (refused) return { ok: false, verdict: "gone", status: null, message: `push endpoint refused: ${refused}` };
    try {
      const request = webpush.generateRequestDetails(subscription, payload, {
        vapidDetails: this.vapid,
        TTL: options.ttlSeconds,
        contentEncoding: "aes128gcm",
        ...(options.topic ? { topic: options.topic } : {}),
      });
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: headersOf(request.headers),
        body: request.body === null ? null : new Uint8Array(request.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: "manual",
      });
      await response.arrayBuffer();
      if (response.ok) return { ok: true, status: response.status };
      return {
        ok: false,
        verdict: verdictOf(response.status),
        status: response.status,
        message: `push service answered ${response.status}`,
      };
    } catch (error) {
      return { ok: false, verdict: "failed", status: null, message: errorMessage(error) };
    }
  }
}

function verdictOf(status: number): PushVerdict {
  if (status === 404 || status === 410) return "gone";
  if (status === 429 || status >= 500) return "failed";
  return "rejected";
}

/** fetch sets Content-Length itself and wants string values. */
function headersOf(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => name.toLowerCase() !== "content-length")
      .map(([n, v]) => [n, String(v)]),
  );
}
