/**
 * A device's sends are sequenced in the order it sent them, also through refusals (user-session/send-order.ts): after
 * a retryable refusal the socket is held, every later send refused the same way, until the refused one comes again.
 */
import { describe, expect, it } from "vitest";
import { heldBack, holdBack } from "../../durable-objects/user-session/send-order.js";
import { saveIdentity, type Attachable } from "../../durable-objects/user-session/sockets.js";
import type { ChatError } from "../../protocol/index.js";

/** A socket's attachment as the runtime keeps it: serialized, so it outlives the socket object (hibernation). */
function socket(attachment?: string): Attachable & { attachment: string } {
  const ws = {
    attachment: attachment ?? "",
    serializeAttachment(value: unknown) {
      ws.attachment = JSON.stringify(value);
    },
    deserializeAttachment() {
      return ws.attachment ? JSON.parse(ws.attachment) : null;
    },
  };
  return ws;
}

function connected(): Attachable & { attachment: string } {
  const ws = socket();
  saveIdentity(ws, { userId: "alice", deviceId: "phone", connectedAt: 0, focus: null });
  return ws;
}

const RATE_LIMITED: ChatError = {
  code: "rate_limited",
  message: "sending too fast; retry in 300 ms",
  retryAfterMs: 300,
};
const T0 = 1_700_000_000_000;

describe("send order through refusals", () => {
  it("holds back every later send after a retryable refusal, until the refused one is sent again", () => {
    const ws = connected();
    expect(heldBack(ws, "m1", T0)).toBeNull();
    holdBack(ws, "m1", RATE_LIMITED, T0);
    expect(heldBack(ws, "m2", T0 + 100)).toEqual({
      code: "rate_limited",
      message:
        "held back until m1 is retried (a device's sends are sequenced in order): sending too fast; retry in 300 ms",
      retryAfterMs: 200,
    });
    expect(heldBack(ws, "m1", T0 + 300)).toBeNull();
    expect(heldBack(ws, "m2", T0 + 300)).toBeNull();
  });

  it("holds nothing after a final refusal: the client does not retry those", () => {
    const ws = connected();
    holdBack(ws, "m1", { code: "forbidden", message: "not a member of this conversation" }, T0);
    holdBack(ws, "m2", { code: "too_large", message: "body exceeds 4096 bytes" }, T0);
    expect(heldBack(ws, "m3", T0)).toBeNull();
  });

  it("keeps the first refusal's hold: what was refused later waits behind it", () => {
    const ws = connected();
    holdBack(ws, "m1", RATE_LIMITED, T0);
    holdBack(ws, "m2", { code: "unavailable", message: "conversation unavailable" }, T0 + 10);
    expect(heldBack(ws, "m2", T0 + 20)?.message).toContain("held back until m1");
  });

  it("survives hibernation: the hold lives in the socket's attachment", () => {
    const ws = connected();
    holdBack(ws, "m1", RATE_LIMITED, T0);
    const woken = socket(ws.attachment);
    expect(heldBack(woken, "m2", T0 + 50)?.code).toBe("rate_limited");
  });

  it("lets go after a minute, so a client that gave up the refused send is not stuck", () => {
    const ws = connected();
    holdBack(ws, "m1", RATE_LIMITED, T0);
    expect(heldBack(ws, "m2", T0 + 60_000)).not.toBeNull();
    expect(heldBack(ws, "m2", T0 + 60_001)).toBeNull();
  });
});
