/**
 * Which Web Push endpoints may be stored and POSTed to. A subscription's endpoint comes from a user, so without a
 * policy the origin could be pointed at any host (an internal service, a cloud metadata address: SSRF). The edge
 * checks a subscription against the same policy before it stores or forwards it; the origin checks it again when it
 * stores it and before every send.
 *
 * The strict policy (the default everywhere) allows https on the default port to the browsers' push services only.
 * `allowInsecure` is for local push services in development and tests: http, any host, any port.
 */
export interface EndpointPolicy {
  allowInsecure: boolean;
  /** Host suffixes allowed (`push.apple.com` allows `web.push.apple.com`); null allows any host. */
  hosts: readonly string[] | null;
}

export const BROWSER_PUSH_HOSTS: readonly string[] = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "push.apple.com",
  "notify.windows.com",
];

export const STRICT_ENDPOINT_POLICY: EndpointPolicy = { allowInsecure: false, hosts: BROWSER_PUSH_HOSTS };

/** Null when the endpoint may be used, otherwise why not. */
export function refuseEndpoint(endpoint: string, policy: EndpointPolicy): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && !(policy.allowInsecure && url.protocol === "http:")) return "must be an https URL";
  if (url.username || url.password) return "must not carry credentials";
  // `new URL` drops the scheme's default port, so "" is 443 for https.
  if (!policy.allowInsecure && url.port !== "") return "must use the default https port";
  if (policy.hosts && !policy.hosts.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`))) {
    return `host ${url.hostname} is not a known push service`;
  }
  return null;
}
