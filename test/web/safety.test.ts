/**
 * The safety controls on the page in a real browser against the real edge, as two people use them: invites accepted
 * and declined, changes of a group shown as lines between messages, blocks in a direct conversation, mutes, and a
 * report that reaches the moderation queue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import type { ChatPage } from "./support/chat-page.js";
import type { PageEdge } from "./support/page-edge.js";
import { startWithPeople } from "./support/people.js";
import { useBrowser } from "./support/browser.js";

const MODERATOR_TOKEN = "moderator-token-for-page-tests";
const launched = useBrowser();
let edge: PageEdge;
let alice: ChatPage;
let bob: ChatPage;

beforeAll(async () => {
  let people: ChatPage[];
  ({ edge, people } = await startWithPeople(launched(), ["alice", "bob"], { MODERATOR_TOKEN }));
  [alice, bob] = people as [ChatPage, ChatPage];
});
afterAll(() => edge?.stop());

describe("safety on the page", { timeout: 90_000 }, () => {
  it("an invitee sees only the invite until it accepts, then the group from its joining on", async () => {
    await alice.startChat("bob", "Book club");
    await alice.page.getByTestId("presence").filter({ hasText: "1 member: alice · invited: bob" }).waitFor();
    await alice.send("before bob came");
    await alice.messages("before bob came").locator('.tick[data-status="sent"]').waitFor();

    await bob.invite("Book club").filter({ hasText: "alice invited you" }).waitFor();
    expect(await bob.conversation("Book club").count()).toBe(0);
    await bob.accept("Book club");
    await bob.systemLine("You joined").waitFor();
    await alice.systemLine("bob joined").waitFor();
    await alice.page.getByTestId("presence").filter({ hasText: "2 members: alice, bob" }).waitFor();
    await alice.send("welcome, bob");
    await bob.messages("welcome, bob").waitFor();
    expect(await bob.bodies()).toEqual(["welcome, bob"]);
    expect(await bob.invite("Book club").count()).toBe(0);
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });

  it("a declined invite goes away, and the group shows who declined", async () => {
    await alice.startChat("bob", "Not for bob");
    await bob.invite("Not for bob").getByRole("button", { name: "Decline" }).click();
    await bob.invite("Not for bob").waitFor({ state: "detached" });
    await alice.systemLine("bob declined the invite").waitFor();
    await alice.page.getByTestId("presence").filter({ hasText: "1 member: alice" }).waitFor();
    expect(await bob.conversation("Not for bob").count()).toBe(0);
  });

  it("an admin renames, promotes and deletes: the other sees each change as a line, the new title and the badge; then leaves", async () => {
    await alice.startChat("bob", "Old name");
    await bob.accept("Old name");
    await bob.send("a message to remove");
    await alice.messages("a message to remove").waitFor();

    const panel = await alice.groupInfo();
    await panel.getByLabel("Group name").fill("Hiking crew");
    await panel.getByRole("button", { name: "Rename" }).click();
    await bob.systemLine("alice renamed the group to “Hiking crew”").waitFor();
    await bob.page.locator("main.chat h2").filter({ hasText: "Hiking crew" }).waitFor();
    await bob.conversation("Hiking crew").waitFor();
    await alice.systemLine("You renamed the group to “Hiking crew”").waitFor();

    await panel.getByRole("checkbox", { name: "New members see earlier messages" }).check();
    await bob.systemLine("alice let new members see earlier messages").waitFor();

    // An admin deletes anyone's message for everyone.
    await alice.act("a message to remove", "Delete for everyone");
    await bob.messages("a message to remove").waitFor({ state: "detached" });

    await panel.locator('[data-user="bob"]').getByRole("button", { name: "Make admin" }).click();
    await bob.systemLine("alice made you an admin").waitFor();
    await panel.locator('[data-user="bob"] .role-badge.admin').waitFor();
    const bobsPanel = await bob.groupInfo();
    await bobsPanel.locator('[data-user="alice"] .role-badge.admin').waitFor();
    await bobsPanel.locator('[data-user="alice"]').getByRole("button", { name: "Dismiss as admin" }).waitFor();

    await bobsPanel.getByRole("button", { name: "Leave group" }).click();
    await alice.systemLine("bob left").waitFor();
    await bob.conversation("Hiking crew").waitFor({ state: "detached" });
    await alice.page.getByTestId("presence").filter({ hasText: "1 member: alice" }).waitFor();
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });

  it("a block stops a direct conversation both ways: the blocked one's send is refused and nothing arrives", async () => {
    await alice.startChat("bob");
    await bob.open("alice");
    await bob.send("hi before the block");
    await alice.messages("hi before the block").waitFor();

    await alice.page.getByRole("button", { name: "Block bob" }).click();
    await alice.page
      .getByTestId("blocked")
      .filter({ hasText: "You blocked bob: unblock them to write here" })
      .waitFor();
    expect(await alice.composer().count()).toBe(0);

    await bob.send("are you there?");
    await bob
      .messages("are you there?")
      .locator(".why")
      .filter({ hasText: "alice does not accept messages from you" })
      .waitFor();
    await bob.page.getByTestId("blocked").filter({ hasText: "alice does not accept messages from you" }).waitFor();
    const id = await alice.page.locator("[data-conversation][aria-current=true]").getAttribute("data-conversation");
    const history = await (await new Api(edge.url).as("alice")).history(id!);
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(["hi before the block"]);
    expect(await alice.messages("are you there?").count()).toBe(0);

    await alice.page.getByTestId("blocked").getByRole("button", { name: "Unblock" }).click();
    await alice.composer().waitFor();
    await alice.page.getByRole("button", { name: "Block bob" }).waitFor();
    await bob.page.getByTestId("blocked").getByRole("button", { name: "Try again" }).click();
    await bob.send("unblocked now");
    await alice.messages("unblocked now").waitFor();
  });

  it("a muted conversation shows muted and its badge does not pulse, while its messages still arrive", async () => {
    const api = new Api(edge.url);
    const [carol, dave] = [await api.as("carol"), await api.as("dave")];
    const [fromCarol, fromDave] = [await carol.direct("bob"), await dave.direct("bob")];
    await carol.send(fromCarol, "c0", "hello from carol");
    await bob.conversation("carol").waitFor();
    await bob.open("carol");
    await bob.page.getByRole("button", { name: "Mute", exact: true }).click();
    await bob.page
      .getByRole("group", { name: "Mute notifications" })
      .getByRole("button", { name: "Until turned off" })
      .click();
    await bob.conversation("carol").getByRole("img", { name: "Muted until turned off" }).waitFor();
    await bob.page.getByRole("button", { name: "🔕 Muted" }).waitFor();

    await bob.open("alice");
    await carol.send(fromCarol, "c1", "still arrives while muted");
    await dave.send(fromDave, "d1", "not muted");
    const muted = bob.conversation("carol").getByTestId("unread");
    await muted.filter({ hasText: "1" }).waitFor();
    expect(await muted.getAttribute("class")).toBe("badge quiet");
    expect(await bob.conversation("carol").locator(".preview").innerText()).toBe("carol: still arrives while muted");
    const loud = bob.conversation("dave").getByTestId("unread");
    await loud.filter({ hasText: "1" }).waitFor();
    expect(await loud.getAttribute("class")).toBe("badge pulse");
    // The tab's title counts the conversations that are not muted.
    await expect.poll(() => bob.page.title(), { timeout: 15_000 }).toBe("(1) Edge Chat");

    await bob.open("carol");
    await bob.messages("still arrives while muted").waitFor();
    await bob.page.getByRole("button", { name: "🔕 Muted" }).click();
    await bob.page.getByRole("group", { name: "Mute notifications" }).getByRole("button", { name: "Unmute" }).click();
    await bob.conversation("carol").getByTestId("muted").waitFor({ state: "detached" });
    bob.expectNoPageErrors();
  });

  it("reports a message with a reason and a note, and also blocks its sender: the operator's queue has it", async () => {
    const api = new Api(edge.url);
    const eve = await api.as("eve");
    const id = await eve.direct("bob");
    await eve.send(id, "e1", "cheap followers, click here");
    await bob.open("eve");
    await bob.act("cheap followers, click here", "Report");
    const dialog = bob.page.getByRole("dialog", { name: "Report message from eve" });
    await dialog.getByRole("radio", { name: "Spam" }).check();
    await dialog.getByLabel("Note (optional)").fill("an ad, again");
    await dialog.getByRole("checkbox", { name: "Also block eve" }).check();
    await dialog.getByRole("button", { name: "Send report" }).click();
    await dialog.waitFor({ state: "detached" });
    await bob.page.getByTestId("notices").filter({ hasText: "Reported, and eve is blocked." }).waitFor();
    await bob.page.getByTestId("blocked").filter({ hasText: "You blocked eve: unblock them to write here" }).waitFor();

    const queue = await api.raw("GET", "/v1/moderation/reports", undefined, {
      Authorization: `Bearer ${MODERATOR_TOKEN}`,
    });
    expect(queue.body.reports).toEqual([
      expect.objectContaining({
        conversationId: id,
        reporterId: "bob",
        reportedUserId: "eve",
        reason: "spam",
        note: "an ad, again",
        message: expect.objectContaining({ body: "cheap followers, click here" }),
      }),
    ]);
    const refused = await eve.send(id, "e2", "hello?");
    expect(refused.body.error.message).toBe("bob does not accept messages from you");
    // Someone's own messages offer no Report.
    await bob.page.getByRole("button", { name: "Unblock", exact: true }).click();
    await bob.send("stop it");
    await bob.messages("stop it").getByRole("button", { name: "Message actions" }).click();
    expect(
      await bob.messages("stop it").getByRole("group", { name: "Message actions" }).getByRole("button").allInnerTexts(),
    ).not.toContain("Report");
    bob.expectNoPageErrors();
  });
});
