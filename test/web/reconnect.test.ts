/**
 * The page survives the edge going away: both people's pages reconnect by themselves and resume from their positions,
 * and a message typed during the outage shows as pending, then arrives exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { personContext, useBrowser } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { buildPage, startPageEdge, type PageEdge } from "./support/page-edge.js";

const launched = useBrowser();
let edge: PageEdge;

beforeAll(async () => {
  edge = await startPageEdge(buildPage());
});
afterAll(() => edge?.stop());

describe("the chat page across an edge restart", { timeout: 60_000 }, () => {
  it("reconnects both people and sends what was typed offline exactly once", async () => {
    const alice = await ChatPage.signIn(await personContext(launched()!), edge.url, "alice");
    const bob = await ChatPage.signIn(await personContext(launched()!), edge.url, "bob");
    await alice.startChat("bob");
    await alice.send("before the outage");
    await bob.open("alice");
    await bob.messages("before the outage").waitFor();

    const restarted = edge.restart();
    await alice.page.getByTestId("connection").filter({ hasText: "Reconnecting…" }).waitFor();
    await alice.send("typed while offline");
    await alice.messages("typed while offline").waitFor();
    expect(await alice.tick("typed while offline")).toBe("pending");
    await alice.screenshot("offline-pending");
    await restarted;

    await Promise.all([alice.connected(), bob.connected()]);
    await bob.messages("typed while offline").waitFor();
    await alice.waitForTick("typed while offline", "read");
    expect(await bob.bodies()).toEqual(["before the outage", "typed while offline"]);
    expect(await alice.bodies()).toEqual(["before the outage", "typed while offline"]);

    // The server holds it once too: the retried send kept its clientMsgId.
    const bobApi = await new Api(edge.url).as("bob");
    const [conversation] = (await bobApi.call("GET", "/v1/conversations")).body.conversations;
    const history = await bobApi.history(conversation.id);
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([
      "before the outage",
      "typed while offline",
    ]);

    // And both keep talking on the new runtime.
    await bob.send("welcome back");
    await alice.messages("welcome back").waitFor();
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });

  it("keeps the person signed in across a reload and resumes from the stored positions", async () => {
    const context = await personContext(launched()!);
    const carol = await ChatPage.signIn(context, edge.url, "carol");
    const dave = await new Api(edge.url).as("dave");
    const id = await dave.direct("carol");
    await dave.send(id, "d1", "first");
    await carol.conversation("dave").waitFor();
    const stored = await carol.page.evaluate(
      () =>
        JSON.parse(localStorage.getItem("chat.user.carol")!) as { positions: Record<string, number>; since: number },
    );
    expect(stored.positions[id]).toBe(1);
    expect(stored.since).toBeGreaterThan(0);

    await carol.page.reload();
    await carol.connected();
    await dave.send(id, "d2", "second");
    await carol.open("dave");
    await carol.messages("second").waitFor();
    expect(await carol.bodies()).toEqual(["first", "second"]);
    carol.expectNoPageErrors();
  });
});
