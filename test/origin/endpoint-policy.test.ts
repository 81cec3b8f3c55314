import { describe, expect, it } from "vitest";
import { BROWSER_PUSH_HOSTS, refuseEndpoint } from "../../origin/push-sender/endpoint-policy.js";

describe("push endpoint policy: the origin only POSTs where the policy allows", () => {
  const production = { allowInsecure: false, hosts: BROWSER_PUSH_HOSTS };

  it("allows the browsers' push services over https", () => {
    for (const url of ["https://fcm.googleapis.com/fcm/send/abc", "https://web.push.apple.com/QO", "https://updates.push.services.mozilla.com/wpush/v2/x"]) {
      expect(refuseEndpoint(url, production)).toBeNull();
    }
  });

  it("refuses internal hosts, look-alike hosts and plain http in production", () => {
    expect(refuseEndpoint("https://10.0.0.5/admin", production)).toContain("not a known push service");
    expect(refuseEndpoint("https://evilpush.apple.com.attacker.net/x", production)).toContain("not a known push service");
    expect(refuseEndpoint("https://notpush.apple.com/x", production)).toContain("not a known push service");
    expect(refuseEndpoint("http://fcm.googleapis.com/x", production)).toBe("must be an https URL");
    expect(refuseEndpoint("file:///etc/passwd", production)).toBe("must be an https URL");
  });

  it("allows any host, and http, for local development and tests", () => {
    expect(refuseEndpoint("http://127.0.0.1:9999/push", { allowInsecure: true, hosts: null })).toBeNull();
  });
});
