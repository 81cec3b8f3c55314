/**
 * Which push endpoints the origin will POST to. A subscription's endpoint comes from a user, so without a
 * policy the origin could be pointed at any host (an internal service, say). Production defaults to the
 * browsers' push services; `PUSH_ENDPOINT_HOSTS` overrides the list, and outside production any host is allowed
 * (local push services in tests).
 */
export interface EndpointPolicy {
  allowInsecure: boolean;
  /** Host suffixes allowed (`push.apple.com` allows `web.push.apple.com`); null allows any host. */
  hosts: string[] | null;
}

export const BROWSER_PUSH_HOSTS = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "push.apple.com",
  "notify.windows.com",
];

/** Null when the endpoint may be used, otherwise why not. */
export function refuseEndpoint(endpoint: string, policy: EndpointPolicy): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && !(policy.allowInsecure && url.protocol === "http:")) return "must be an https URL";
  if (policy.hosts && !policy.hosts.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`))) {
    return `host ${url.hostname} is not a known push service`;
  }
  return null;
}
