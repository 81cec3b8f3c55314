/**
 * The meter counts R2 operations where they are made, by billing class (what `npm run bench -- cost attachments`
 * adds up): an upload's put in the Worker, the check of a reference in the Conversation, a download's head and get
 * in the Worker, and the free delete after a delete for everyone.
 */
import { describe, expect, it } from "vitest";
import { ChatApi } from "../../client/api.js";
import type { MeterLine } from "../../durable-objects/shared/meter-line.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const lines: MeterLine[] = [];
const env = useEdge({
  bindings: { ...HIGH_LIMITS, METER: "log" },
  onStdout: (l) => l.startsWith('{"meter":') && lines.push((JSON.parse(l) as { meter: MeterLine }).meter),
});

/** R2 operations counted since `from`, per class of object: `[A, B, free]`. */
function r2Since(from: number): Record<string, [number, number, number]> {
  const out: Record<string, [number, number, number]> = {};
  for (const l of lines.slice(from)) {
    const sum = (out[l.class] ??= [0, 0, 0]);
    sum[0] += l.r2ClassA;
    sum[1] += l.r2ClassB;
    sum[2] += l.r2Free;
  }
  return Object.fromEntries(Object.entries(out).filter(([, ops]) => ops.some((n) => n > 0)));
}

/** Meter lines are printed once their invocation settled: waits until those of the last call are in. */
async function settled(): Promise<number> {
  let seen = -1;
  while (seen !== lines.length) {
    seen = lines.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  return lines.length;
}

describe("the meter's R2 counts", () => {
  it("an upload is a class A put, a send checks its reference (B), a download is one get (B), a revalidation one head (B), a delete is free", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const png = new Uint8Array(100);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    let from = await settled();
    const upload = await new ChatApi(env.edge.url, alice.token).uploadAttachment(
      id,
      new Blob([png], { type: "image/png" }),
      "p.png",
    );
    await settled();
    expect(r2Since(from)).toEqual({ Worker: [1, 0, 0] });

    from = lines.length;
    const sent = await alice.call("POST", `/v1/conversations/${id}/messages`, {
      clientMsgId: "m1",
      body: "",
      attachments: [upload],
    });
    expect(sent.status).toBe(201);
    await settled();
    expect(r2Since(from)).toEqual({ Conversation: [0, 1, 0] });

    from = lines.length;
    const download = await new ChatApi(env.edge.url, bob.token).downloadAttachment(id, upload.id);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(png);
    await settled();
    expect(r2Since(from)).toEqual({ Worker: [0, 1, 0] });

    from = lines.length;
    const again = await fetch(`${env.edge.url}/v1/conversations/${id}/attachments/${upload.id}`, {
      headers: { Authorization: `Bearer ${bob.token}`, "If-None-Match": download.headers.get("ETag")! },
    });
    expect(again.status).toBe(304);
    await settled();
    expect(r2Since(from)).toEqual({ Worker: [0, 1, 0] });

    from = lines.length;
    expect((await alice.act(id, { kind: "delete", clientMsgId: "d1", seq: sent.body.seq })).status).toBe(201);
    await settled();
    expect(r2Since(from)).toEqual({ Conversation: [0, 0, 1] });
  });
});
