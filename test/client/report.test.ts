/** The client library's report against the real edge: filed and answered, a repeat answered as one, refusals as values. */
import { describe, expect, it } from "vitest";
import { ApiError, ChatClient } from "../../client/index.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const fx = useEdge({ bindings: HIGH_LIMITS });

describe("ChatClient.report", () => {
  it("files a report, answers a repeat with the first, and rejects with the protocol's error value", async () => {
    const [alice, bob] = await fx.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const sent = await bob.send(id, "m1", "buy now");
    const own = await alice.send(id, "m2", "no thanks");
    const client = new ChatClient({ url: fx.edge.url, token: alice.token });
    const filed = await client.report(id, sent.body.seq, "spam", "an ad");
    expect(filed).toMatchObject({ reportedUserId: bob.userId, duplicate: false });
    expect(await client.report(id, sent.body.seq, "spam")).toMatchObject({ id: filed.id, duplicate: true });
    const refused = await client.report(id, own.body.seq, "spam").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, error: { code: "bad_request" } });
    const blocked = await client.report(id, sent.body.seq, "abuse", undefined, true).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ status: 400, error: { message: "block not available" } });
  });
});
