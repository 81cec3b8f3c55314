import { describe, expect, it } from "vitest";
import { refuseEndpoint, STRICT_ENDPOINT_POLICY } from "../../protocol/push-endpoint.js";

describe("push endpoint policy: subscriptions may only point where the policy allows", () => {
  it("allows the browsers' push services over https", () => {
    for (const url of [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://web.push.apple.com/QO",
      "https://updates.push.services.mozilla.com/wpush/v2/x",
      "https://fcm.googleapis.com:443/x",
    ]) {
      expect(refuseEndpoint(url, STRICT_ENDPOINT_POLICY)).toBeNull();
    }
  });

  it("refuses internal hosts, look-alike hosts, other ports, credentials and plain http under the strict policy", () => {
    expect(refuseEndpoint("https://10.0.0.5/admin", STRICT_ENDPOINT_POLICY)).toContain("not a known push service");
    expect(refuseEndpoint("https://169.254.169.254/latest/meta-data", STRICT_ENDPOINT_POLICY)).toContain(
      "not a known push service",
    );
    expect(refuseEndpoint("https://evilpush.apple.com.attacker.net/x", STRICT_ENDPOINT_POLICY)).toContain(
      "not a known push service",
    );
    expect(refuseEndpoint("https://notpush.apple.com/x", STRICT_ENDPOINT_POLICY)).toContain("not a known push service");
    expect(refuseEndpoint("https://fcm.googleapis.com:8443/x", STRICT_ENDPOINT_POLICY)).toBe(
      "must use the default https port",
    );
    expect(refuseEndpoint("https://user:pw@fcm.googleapis.com/x", STRICT_ENDPOINT_POLICY)).toBe(
      "must not carry credentials",
    );
    expect(refuseEndpoint("http://fcm.googleapis.com/x", STRICT_ENDPOINT_POLICY)).toBe("must be an https URL");
    expect(refuseEndpoint("file:///etc/passwd", STRICT_ENDPOINT_POLICY)).toBe("must be an https URL");
    expect(refuseEndpoint("not a url", STRICT_ENDPOINT_POLICY)).toBe("not a URL");
  });

  it("allows any host, port and http for local push services in development and tests", () => {
    expect(refuseEndpoint("http://127.0.0.1:9999/push", { allowInsecure: true, hosts: null })).toBeNull();
  });
});
