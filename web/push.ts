/**
 * Web Push, offered only where it can work: the edge must publish a VAPID public key (`GET /v1/push/key`,
 * answered only when an origin sends pushes; a 404 means "not configured", so the page hides the button) and
 * the browser must support service workers and the Push API (they also need a secure context: https or localhost).
 */
export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** The VAPID public key, or null when this edge sends no pushes. */
export async function pushKey(url: string, token: string): Promise<string | null> {
  const res = await fetch(`${url}/v1/push/key`, { headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
  if (!res?.ok) return null;
  const body = (await res.json().catch(() => null)) as { publicKey?: unknown } | null;
  return typeof body?.publicKey === "string" && body.publicKey.length > 0 ? body.publicKey : null;
}

/** True when this browser already holds a push subscription for the page (a permission alone is not one). */
export async function subscribed(): Promise<boolean> {
  const registration = await navigator.serviceWorker.getRegistration();
  return Boolean(await registration?.pushManager.getSubscription());
}

/** Registers the service worker, asks permission, subscribes, and returns the subscription to store. */
export async function subscribe(
  publicKey: string,
): Promise<{ endpoint: string; keys: { p256dh: string; auth: string } }> {
  const registration = await navigator.serviceWorker.register("/sw.js");
  if ((await Notification.requestPermission()) !== "granted") throw new Error("Notifications were not allowed.");
  const existing = await registration.pushManager.getSubscription();
  const subscription =
    existing ??
    (await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlBytes(publicKey) }),
    ));
  const json = subscription.toJSON();
  return { endpoint: subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" } };
}

function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A browser whose push service is unreachable may never settle `subscribe()`; say so rather than spin. */
function withTimeout<T>(work: Promise<T>, ms = 20_000): Promise<T> {
  const late = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error("The browser's push service did not answer; try again later.")), ms),
  );
  return Promise.race([work, late]);
}
