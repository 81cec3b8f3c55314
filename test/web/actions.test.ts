/**
 * Message actions on the page in a real browser against the real edge: two people edit, delete, react, reply,
 * delete for themselves and search, and each sees on their own page what the other did.
 */
import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { personContext, useBrowser } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { buildPage, startPageEdge, type PageEdge } from "./support/page-edge.js";

const launched = useBrowser();
let edge: PageEdge;
let alice: ChatPage;
let bob: ChatPage;

beforeAll(async () => {
  edge = await startPageEdge(buildPage());
  if (!launched()) return;
  alice = await ChatPage.signIn(await personContext(launched()!), edge.url, "alice");
  bob = await ChatPage.signIn(await personContext(launched()!), edge.url, "bob");
  await alice.startChat("bob");
  await bob.open("alice");
});
afterAll(() => edge?.stop());

/** Both pages show `text` (a message one of them sent). */
async function bothSee(text: string): Promise<void> {
  await Promise.all([alice.messages(text).waitFor(), bob.messages(text).waitFor()]);
}

/** Whether a message lies inside the visible area of the scrolled message list. */
function inView(item: Locator): Promise<boolean> {
  return item.evaluate((el) => {
    const [shown, list] = [el.getBoundingClientRect(), el.closest("[data-testid=messages]")!.getBoundingClientRect()];
    return shown.top >= list.top && shown.bottom <= list.bottom;
  });
}

describe("message actions on the page", { timeout: 60_000 }, () => {
  it("edits from the keyboard: the other person sees the new text marked edited; Escape cancels", async () => {
    await alice.send("see you at 5");
    await bothSee("see you at 5");
    // Keyboard only: the actions button takes focus, Enter opens, the actions are buttons in the tab order.
    await alice.messages("see you at 5").getByRole("button", { name: "Message actions" }).focus();
    await alice.page.keyboard.press("Enter");
    await alice.page.getByRole("button", { name: "React 👍" }).waitFor();
    await alice.page.keyboard.press("Escape");
    await alice.page.getByRole("button", { name: "React 👍" }).waitFor({ state: "detached" });

    await alice.act("see you at 5", "Edit");
    await expect.poll(() => alice.composer().inputValue()).toBe("see you at 5");
    await alice.page.getByTestId("draft").filter({ hasText: "Editing message" }).waitFor();
    await alice.composer().press("Escape");
    await alice.page.getByTestId("draft").waitFor({ state: "detached" });
    await expect.poll(() => alice.composer().inputValue()).toBe("");

    await alice.act("see you at 5", "Edit");
    await expect.poll(() => alice.composer().inputValue()).toBe("see you at 5");
    await alice.composer().fill("see you at 6");
    await alice.composer().press("Enter");
    await bothSee("see you at 6");
    expect(await bob.messages("see you at 6").locator(".edited").innerText()).toBe("edited");
    expect(await bob.messages("see you at 5").count()).toBe(0);
    // Only the sender edits or deletes for everyone: bob's actions on alice's message offer neither.
    await bob.messages("see you at 6").getByRole("button", { name: "Message actions" }).click();
    const bobsActions = bob.messages("see you at 6").getByRole("group", { name: "Message actions" });
    expect(await bobsActions.getByRole("button").allInnerTexts()).toEqual([
      ...["👍", "❤️", "😂", "😮", "😢", "🙏"],
      "Reply",
      "Delete for me",
      "Report",
    ]);
    await bob.page.keyboard.press("Escape");
  });

  it("deletes for everyone: the other person sees a tombstone where the message was", async () => {
    await alice.send("oops, wrong chat");
    await bothSee("oops, wrong chat");
    await alice.act("oops, wrong chat", "Delete for everyone");
    await bob.messages("oops, wrong chat").waitFor({ state: "detached" });
    expect(await bob.bodies()).toEqual(["see you at 6", "message deleted"]);
    expect(await bob.messages("message deleted").getAttribute("class")).toContain("deleted");
    await alice.messages("message deleted").waitFor();
  });

  it("reacts: the other person sees the count and who; one's own reaction is marked; toggling takes it back", async () => {
    await bob.act("see you at 6", "React 👍");
    await alice.reactions("see you at 6").filter({ hasText: "👍 1" }).waitFor();
    expect(await alice.reactions("see you at 6").getAttribute("title")).toBe("bob");
    expect(await alice.reactions("see you at 6").getAttribute("aria-pressed")).toBe("false");
    expect(await bob.reactions("see you at 6").getAttribute("aria-pressed")).toBe("true");

    await alice.reactions("see you at 6").click();
    await bob.reactions("see you at 6").filter({ hasText: "👍 2" }).waitFor();
    expect(await bob.reactions("see you at 6").getAttribute("title")).toBe("bob, alice");

    await bob.reactions("see you at 6").click();
    await alice.reactions("see you at 6").filter({ hasText: "👍 1" }).waitFor();
    expect(await alice.reactions("see you at 6").getAttribute("title")).toBe("alice");
    await alice.reactions("see you at 6").click();
    await bob.reactions("see you at 6").waitFor({ state: "detached" });
    // Alice's page learns of her own toggle from its ack, which may arrive after Bob's page had the push.
    await alice.reactions("see you at 6").waitFor({ state: "detached" });
  });

  it("shows a refused action as it shows other refusals", async () => {
    for (const emoji of ["❤️", "😂", "😮"]) {
      await bob.act("see you at 6", `React ${emoji}`);
      await alice
        .reactions("see you at 6")
        .filter({ hasText: `${emoji} 1` })
        .waitFor();
    }
    await bob.act("see you at 6", "React 😢");
    await bob.page
      .getByTestId("notices")
      .filter({ hasText: "Too large: at most 3 different reactions per user on a message" })
      .waitFor();
    expect(await alice.reactions("see you at 6").allInnerTexts()).toEqual(["❤️ 1", "😂 1", "😮 1"]);
    while (await bob.page.getByRole("button", { name: "Dismiss" }).count())
      await bob.page.getByRole("button", { name: "Dismiss" }).first().click();
  });

  it("replies: the other person sees the quote, which leads to the original and says when it was deleted", async () => {
    await alice.send("which trail?");
    await bothSee("which trail?");
    await bob.act("which trail?", "Reply");
    await bob.page
      .getByTestId("draft")
      .filter({ hasText: "Replying to" })
      .filter({ hasText: "which trail?" })
      .waitFor();
    await bob.send("the ridge one");
    await bob.page.getByTestId("draft").waitFor({ state: "detached" });
    await alice.messages("the ridge one").waitFor();
    const quote = alice.messages("the ridge one").locator(".quote");
    expect(await quote.innerText()).toBe("alice which trail?");

    await quote.click();
    await alice.highlighted("which trail?").waitFor();

    await alice.act("which trail?", "Delete for everyone");
    await bob.messages("the ridge one").locator(".quote").filter({ hasText: "message deleted" }).waitFor();
    expect(await bob.messages("the ridge one").locator(".quote").innerText()).not.toContain("which trail?");
    await alice.messages("the ridge one").locator(".quote").filter({ hasText: "message deleted" }).waitFor();
  });

  it("deletes for me: gone from this person's pages, after a reload and on a new device; the other still sees it", async () => {
    await bob.send("just between us");
    await bothSee("just between us");
    await alice.act("just between us", "Delete for me");
    await alice.messages("just between us").waitFor({ state: "detached" });
    await alice.conversation("bob").filter({ hasText: "bob: message hidden" }).waitFor(); // nor in the list's preview
    await alice.send("noted");
    await bob.messages("noted").waitFor();
    expect(await bob.messages("just between us").count()).toBe(1);

    await alice.page.reload();
    await alice.connected();
    await alice.open("bob");
    await alice.messages("noted").waitFor();
    expect(await alice.messages("just between us").count()).toBe(0);

    const laptop = await ChatPage.signIn(await personContext(launched()!), edge.url, "alice");
    await laptop.open("bob");
    await laptop.messages("noted").waitFor();
    expect(await laptop.messages("just between us").count()).toBe(0);
    await laptop.page.context().close();
  });

  it("keeps an action made while disconnected across a reload, and it lands once", async () => {
    await bob.send("react while away");
    await bothSee("react while away");
    // Alice's page cannot reach the edge: its socket is dropped and every new one is refused.
    await alice.page.routeWebSocket(/\/v1\/connect/, (ws) => ws.close());
    await edge.restart();
    await alice.page.getByTestId("connection").filter({ hasText: "Reconnecting…" }).waitFor();
    await alice.act("react while away", "React 🙏");
    const acting = () =>
      alice.page.evaluate(() => (JSON.parse(localStorage.getItem("chat.user.alice")!) as { acting: unknown[] }).acting);
    expect(await acting()).toHaveLength(1);
    // The page is reloaded before it could send it; the reloaded page reaches the edge.
    await alice.page.routeWebSocket(/\/v1\/connect/, (ws) => ws.connectToServer());
    await alice.page.reload();
    await alice.connected();
    await bob.reactions("react while away").filter({ hasText: "🙏 1" }).waitFor();
    await expect.poll(acting).toEqual([]);
    await alice.open("bob");
    await alice.reactions("react while away").filter({ hasText: "🙏 1" }).waitFor();
  });

  it("counts only messages as unread: reactions and edits add no badge", async () => {
    await alice.startChat("carol");
    await bob.act("noted", "React 👍");
    await bob.send("after the reaction");
    const inList = alice.conversation("bob");
    await inList.filter({ hasText: "bob: after the reaction" }).waitFor();
    await inList.getByTestId("unread").waitFor();
    expect(await inList.getByTestId("unread").innerText()).toBe("1");

    await bob.act("after the reaction", "Edit");
    await expect.poll(() => bob.composer().inputValue()).toBe("after the reaction");
    await bob.composer().fill("after the reaction, edited");
    await bob.composer().press("Enter");
    await inList.filter({ hasText: "bob: after the reaction, edited" }).waitFor();
    expect(await inList.getByTestId("unread").innerText()).toBe("1");
    await alice.open("bob");
    await inList.getByTestId("unread").waitFor({ state: "detached" });
  });

  it("searches: results newest first with more on request; a result not loaded yet is loaded, shown and highlighted", async () => {
    const dave = await new Api(edge.url).as("dave");
    const id = await dave.direct("alice");
    await dave.send(id, "needle", "a needle in the haystack");
    for (let i = 1; i <= 120; i++) await dave.send(id, `f${i}`, `filler ${i}`);
    await alice.open("dave");
    await alice.messages("filler 120").waitFor();
    expect(await alice.messages("a needle in the haystack").count()).toBe(0);

    await alice.page.getByRole("button", { name: "Search", exact: true }).click();
    const box = alice.page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("filler");
    await box.press("Enter");
    const results = alice.page.getByTestId("search-results").getByRole("button");
    await results.first().filter({ hasText: "filler 120" }).waitFor();
    expect(await results.count()).toBe(20);
    await alice.page.getByRole("button", { name: "More results" }).click();
    await alice.page.waitForFunction(() => document.querySelectorAll("[data-testid=search-results] li").length === 40);
    expect(await results.nth(39).innerText()).toContain("filler 81");

    await box.fill("needle");
    await box.press("Enter");
    await results.filter({ hasText: "a needle in the haystack" }).click();
    const target = alice.highlighted("a needle in the haystack");
    await target.waitFor();
    expect(await inView(target)).toBe(true);
    // The history in between is there too: scrolling on from the target shows every message after it.
    const bodies = await alice.bodies();
    expect(bodies.slice(bodies.indexOf("a needle in the haystack"))).toEqual([
      "a needle in the haystack",
      ...Array.from({ length: 120 }, (_, i) => `filler ${i + 1}`),
    ]);
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });

  it("searches all chats from the list: each match with its chat, and choosing one opens that chat at it", async () => {
    const erin = await new Api(edge.url).as("erin");
    const withErin = await erin.direct("alice");
    await erin.send(withErin, "k1", "kiwi season is here");
    await alice.open("bob");
    await bob.send("kiwi for dessert?");
    await bothSee("kiwi for dessert?");
    const box = alice.page.getByRole("searchbox", { name: "Search all chats" });
    await box.fill("KIWI");
    await box.press("Enter");
    const results = alice.page.getByTestId("search-all-results").getByRole("button");
    await results.nth(1).waitFor();
    expect(await results.count()).toBe(2);
    expect(await results.nth(0).innerText()).toContain("kiwi for dessert?");
    expect(await results.nth(1).innerText()).toMatch(/erin[\s\S]*kiwi season is here/);
    await results.nth(1).click();
    await alice.highlighted("kiwi season is here").waitFor();
    expect(await alice.bodies()).toEqual(["kiwi season is here"]);
    alice.expectNoPageErrors();
  });
});
