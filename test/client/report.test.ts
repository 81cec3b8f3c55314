/**
 * The client library's report against the real edge: filed and answered, a repeat answered as one, refusals as values,
 * and a report that also blocks.
 */
import { describe, expect, it } from "vitest";
import { ApiError, ChatClient } from "../../client/index.js";
import { HIGH_LIMITS, useEdge } from "../support/fixtures.js";

const fx = useEdge({ bindings: HIGH_LIMITS });

describe("ChatClient.report", () => {
  it("files a report, answers a repeat with the first, rejects with the protocol's error value, and blocks", async () => {
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
    const [bobs] = await fx.users("bob");
    const other = await alice.direct(bobs.userId);
    const rude = await bobs.send(other, "m3", "rude");
    expect(await client.report(other, rude.body.seq, "abuse", undefined, true)).toMatchObject({ duplicate: false });
    expect((await alice.call("GET", "/v1/blocks")).body).toEqual({ blocked: [bobs.userId] });
  });
});
