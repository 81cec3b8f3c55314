/**
 * The chat page in a real browser against the real edge: two people in two browser contexts talk, see each
 * other's ticks, typing and presence, scroll back through history, and see what the server refused.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { Api } from "../support/api.js";
import { ROOT } from "../support/bundle.js";
import { personContext, useBrowser } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { buildPage, startPageEdge, type PageEdge } from "./support/page-edge.js";

const launched = useBrowser();
let browser: Browser;
let edge: PageEdge;
let alice: ChatPage;
let bob: ChatPage;

beforeAll(async () => {
  edge = await startPageEdge(buildPage());
  if (!launched()) return;
  browser = launched()!;
  alice = await ChatPage.signIn(await personContext(browser), edge.url, "alice");
  bob = await ChatPage.signIn(await personContext(browser), edge.url, "bob");
});
afterAll(() => edge?.stop());

describe("the chat page", { timeout: 60_000 }, () => {
  it("is served as static assets while the API paths stay with the Worker", async () => {
    const page = await fetch(`${edge.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="/app.js"');
    expect((await fetch(`${edge.url}/app.js`)).headers.get("content-type")).toContain("javascript");
    expect(await (await fetch(`${edge.url}/healthz`)).json()).toEqual({ ok: true });
    const missing = await fetch(`${edge.url}/v1/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("delivers a message live, counts it unread until opened, then shows it read to the sender", async () => {
    await alice.startChat("bob");
    await alice.send("hi bob");
    await alice.waitForTick("hi bob", "sent");
    const inList = bob.conversation("alice");
    await inList.getByTestId("unread").filter({ hasText: "1" }).waitFor();
    expect(await inList.innerText()).toContain("alice: hi bob");
    await alice.waitForTick("hi bob", "delivered");

    await bob.open("alice");
    await bob.messages("hi bob").waitFor();
    await inList.getByTestId("unread").waitFor({ state: "detached" });
    await alice.waitForTick("hi bob", "read");
  });

  it("shows typing, presence and replies in order", async () => {
    await bob.page.getByLabel("Message", { exact: true }).pressSequentially("hel");
    await alice.page.getByTestId("typing").filter({ hasText: "bob is typing…" }).waitFor();
    await alice.page.getByTestId("presence").filter({ hasText: "online" }).waitFor();
    await bob.page.getByLabel("Message", { exact: true }).fill("hello alice");
    await bob.page.getByRole("button", { name: "Send" }).click();
    for (const text of ["How was the trip?", "Back in town on Friday?", "Call me when you land"]) await bob.send(text);
    await alice.messages("Call me when you land").waitFor();
    expect(await alice.bodies()).toEqual([
      "hi bob",
      "hello alice",
      "How was the trip?",
      "Back in town on Friday?",
      "Call me when you land",
    ]);
    await bob.waitForTick("Call me when you land", "read");
    expect(await alice.page.getByTestId("typing").innerText()).toBe("");
  });

  it("makes groups and adds members", async () => {
    await alice.startChat("bob", "Weekend plans");
    // Adding someone invites them: bob accepts (the group opens), carol has not answered yet.
    await bob.accept("Weekend plans");
    await bob.open("alice");
    await alice.page.getByRole("button", { name: "Add members" }).click();
    await alice.page.getByLabel("Add (names, comma-separated)").fill("carol");
    await alice.page.getByRole("button", { name: "Add", exact: true }).click();
    await alice.page.getByTestId("presence").filter({ hasText: "2 members: alice, bob · invited: carol" }).waitFor();
    await alice.systemLine("You invited carol").waitFor();
    await alice.send("Hike on Saturday?");
    await bob.conversation("Weekend plans").getByTestId("unread").filter({ hasText: "1" }).waitFor();
  });

  it("scrolls back through history page by page", async () => {
    const dave = await new Api(edge.url).as("dave");
    const id = await dave.direct("alice");
    for (let i = 1; i <= 120; i++) await dave.send(id, `h${i}`, `history ${i}`);
    await alice.conversation("dave").getByTestId("unread").filter({ hasText: "120" }).waitFor();
    await alice.open("dave");
    await alice.messages("history 120").waitFor();
    expect((await alice.bodies()).length).toBeLessThan(120);
    // Keyboard users get a button; scrolling to the top loads the page before (the button scrolls it there too).
    await alice.page.getByRole("button", { name: "Load earlier messages" }).waitFor();
    const messages = alice.page.getByTestId("messages");
    for (
      let shown = await messages.locator("li.msg").count();
      shown < 120;
      shown = await messages.locator("li.msg").count()
    ) {
      await messages.evaluate((el) => el.scrollTo(0, 0));
      await alice.page.waitForFunction(
        (n) => document.querySelectorAll("[data-testid=messages] li.msg").length > n,
        shown,
      );
    }
    await alice.page.getByRole("button", { name: "Load earlier messages" }).waitFor({ state: "detached" });
    const bodies = await alice.bodies();
    expect(bodies).toEqual(Array.from({ length: 120 }, (_, i) => `history ${i + 1}`));
  });

  it("tells the person what the server refused", async () => {
    await alice.startChat("bad!name").catch(() => undefined);
    await alice.page.getByTestId("notices").filter({ hasText: "That was not accepted" }).waitFor();
    await alice.page.getByLabel("With (names, comma-separated)").fill("");
    await alice.open("bob");
    await alice.send("x".repeat(5000));
    await alice.page.getByTestId("notices").filter({ hasText: "Too large" }).waitFor();
    await alice.page.getByLabel("Message", { exact: true }).fill("");
    while (await alice.page.getByRole("button", { name: "Dismiss" }).count())
      await alice.page.getByRole("button", { name: "Dismiss" }).first().click();
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });

  it("falls back to a pasted token where the edge hands out none, and signs out", async () => {
    const token = await new Api(edge.url).token("frank");
    const context = await personContext(browser);
    await context.route("**/v1/dev/token", (route) =>
      route.fulfill({ status: 404, json: { error: { code: "not_found", message: "no route" } } }),
    );
    const page = await context.newPage();
    await page.goto(edge.url);
    await page.getByLabel("Your name").fill("frank");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Paste a token issued for you" }).waitFor();
    await page.getByLabel("Token").fill(token);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByTestId("me").filter({ hasText: "frank" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Your name").waitFor();
    expect(await page.evaluate(() => localStorage.getItem("chat.user.frank"))).toBeNull();
    await context.close();
  });

  it("offers notifications only where the edge publishes a push key", async () => {
    expect(await alice.page.getByRole("button", { name: "Enable notifications" }).count()).toBe(0);
    // This edge has no VAPID key; stand one in for the route to see the page's side of the flow.
    const context = await personContext(browser);
    await context.route("**/v1/push/key", (route) =>
      route.fulfill({ json: { publicKey: webpush.generateVAPIDKeys().publicKey } }),
    );
    await context.grantPermissions(["notifications"]);
    const erin = await ChatPage.signIn(context, edge.url, "erin");
    await erin.page.getByRole("button", { name: "Enable notifications" }).click();
    // The click starts an async flow: `ready` waits for the worker it registers (getRegistration could run first).
    const scope = await erin.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${edge.url}/`);
    await context.close();
  });

  it("fits a phone screen and leaves screenshots", async () => {
    await bob.open("alice");
    await alice.open("Weekend plans");
    await alice.send("Saturday works for me. 9am at the trailhead?");
    await bob.conversation("Weekend plans").getByTestId("unread").filter({ hasText: "2" }).waitFor();
    await alice.open("bob");
    await alice.send("Landed! The trip was great, photos tonight.");
    await bob.messages("Landed! The trip was great, photos tonight.").waitFor();
    await alice.page.getByLabel("Message", { exact: true }).pressSequentially("See you there", { delay: 120 });
    await bob.page.getByTestId("typing").filter({ hasText: "alice is typing…" }).waitFor();
    await bob.page.getByLabel("Message", { exact: true }).blur();
    await alice.screenshot("chat-alice");
    const shot = await bob.screenshot("chat-bob");
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(resolve(ROOT, "docs/screenshots"), { recursive: true });
      copyFileSync(shot, resolve(ROOT, "docs/screenshots/chat.png"));
    }

    const phone = await ChatPage.signIn(await personContext(browser, { width: 375, height: 740 }), edge.url, "bob");
    await phone.open("alice");
    await phone.messages("Call me when you land").waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.screenshot("phone-bob-chat");
    await phone.page.getByRole("button", { name: "Back to conversations" }).click();
    await phone.conversation("Weekend plans").waitFor();
    await phone.screenshot("phone-bob");
  });
});
