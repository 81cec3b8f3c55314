/** The chat page as a person uses it: by labels and roles, the way a screen reader would find things. */
import { expect } from "vitest";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { ARTIFACTS } from "./browser.js";

const TICKS = ["pending", "sent", "delivered", "read"] as const;

export class ChatPage {
  /** Page errors are collected so a test can assert the page never threw. */
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on("pageerror", (error) => this.errors.push(String(error)));
    // The page asks before blocking and leaving; the person says yes.
    page.on("dialog", (dialog) => dialog.accept().catch(() => undefined));
  }

  static async signIn(context: BrowserContext, url: string, name: string): Promise<ChatPage> {
    const chat = new ChatPage(await context.newPage());
    await chat.page.goto(url);
    await chat.page.getByLabel("Your name").fill(name);
    await chat.page.getByRole("button", { name: "Sign in" }).click();
    await chat.page.getByTestId("me").filter({ hasText: name }).waitFor();
    await chat.connected();
    return chat;
  }

  /** Reconnecting after an outage includes the client's backoff, so this waits longer than other steps. */
  connected(): Promise<void> {
    return this.page.getByTestId("connection").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
  }

  /** Starts (or opens) a chat: one name is a direct chat, a title makes a group. */
  async startChat(names: string, title = ""): Promise<void> {
    await this.page.getByLabel("With (names, comma-separated)").fill(names);
    await this.page.getByLabel("Group title (optional)").fill(title);
    await this.page.getByRole("button", { name: "Start chat" }).click();
    await this.page.locator("main.chat").waitFor();
  }

  conversation(title: string): Locator {
    return this.page
      .getByTestId("conversations")
      .getByRole("button")
      .filter({ has: this.page.locator(".conv-title").getByText(title, { exact: true }) });
  }

  async open(title: string): Promise<void> {
    await this.conversation(title).click();
    await this.page.locator("main.chat h2").filter({ hasText: title }).waitFor();
  }

  async send(text: string): Promise<void> {
    await this.composer().fill(text);
    await this.composer().press("Enter");
  }

  /** Every shown message with this exact text (own pending ones included). */
  messages(text: string): Locator {
    return this.page
      .getByTestId("messages")
      .locator("li.msg")
      .filter({ has: this.page.locator(".body").getByText(text, { exact: true }) });
  }

  tick(text: string): Promise<string | null> {
    return this.messages(text).locator(".tick").getAttribute("data-status");
  }

  /** Waits until a message's tick is at least `status`: a fast peer can take it past "sent" in one step. */
  async waitForTick(text: string, status: "pending" | "sent" | "delivered" | "read"): Promise<void> {
    const reached = TICKS.slice(TICKS.indexOf(status))
      .map((s) => `[data-status="${s}"]`)
      .join(",");
    await this.messages(text).locator(`.tick:is(${reached})`).waitFor();
  }

  /** The message with this text while it is highlighted (after a jump to it). */
  highlighted(text: string): Locator {
    return this.messages(text).and(this.page.locator(".highlight"));
  }

  /** Opens a message's actions (its button appears on hover and on focus) and picks one by its button's name. */
  async act(text: string, action: string): Promise<void> {
    await this.messages(text).getByRole("button", { name: "Message actions" }).click();
    await this.messages(text)
      .getByRole("group", { name: "Message actions" })
      .getByRole("button", { name: action, exact: true })
      .click();
  }

  /** The reaction chips under a message, as shown ("👍 2"). */
  reactions(text: string): Locator {
    return this.messages(text).getByRole("list", { name: "Reactions" }).getByRole("button");
  }

  /** An invite to a group in the sidebar, by the group's title. */
  invite(title: string): Locator {
    return this.page.getByTestId("invites").getByRole("listitem", { name: `Invitation: ${title}` });
  }

  /** Accepts an invite: the group opens. */
  async accept(title: string): Promise<void> {
    await this.invite(title).getByRole("button", { name: "Accept" }).click();
    await this.page.locator("main.chat h2").filter({ hasText: title }).waitFor();
  }

  /** The lines between messages that tell changes of the group, as shown. */
  systemLine(text: string): Locator {
    return this.page.getByTestId("system-line").getByText(text, { exact: true });
  }

  /** Opens the open group's info panel. */
  async groupInfo(): Promise<Locator> {
    const toggle = this.page.getByRole("button", { name: "Group info" });
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
    return this.page.getByRole("region", { name: "Group info" });
  }

  composer(): Locator {
    return this.page.getByLabel("Message", { exact: true });
  }

  async bodies(): Promise<string[]> {
    return this.page.getByTestId("messages").locator("li.msg .body").allInnerTexts();
  }

  async screenshot(name: string): Promise<string> {
    const path = `${ARTIFACTS}/${name}.png`;
    await this.page.screenshot({ path });
    return path;
  }

  expectNoPageErrors(): void {
    expect(this.errors).toEqual([]);
  }
}
