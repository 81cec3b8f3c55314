/**
 * Photos and files on the page in a real browser against the real edge (R2 in workerd): two people send them with
 * the attach button and by dropping them on the chat, see photos inline and full size, and download files under
 * their names; files the edge would refuse show why and send nothing.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../support/api.js";
import { personContext, useBrowser } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { dropFiles, pdf, png } from "./support/files.js";
import { buildPage, startPageEdge, type PageEdge } from "./support/page-edge.js";

const MAX_BYTES = 300_000;
const launched = useBrowser();
let edge: PageEdge;
let alice: ChatPage;
let bob: ChatPage;
let conversationId: string;

beforeAll(async () => {
  edge = await startPageEdge(buildPage(), { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
  if (!launched()) return;
  alice = await ChatPage.signIn(await personContext(launched()!), edge.url, "alice");
  bob = await ChatPage.signIn(await personContext(launched()!), edge.url, "bob");
  await alice.startChat("bob");
  await bob.open("alice");
  conversationId = await (await new Api(edge.url).as("bob")).direct("alice");
});
afterAll(() => edge?.stop());

/** Picks files with the composer's attach button, as in the browser's file dialog. */
async function attach(chat: ChatPage, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const [chooser] = await Promise.all([
    chat.page.waitForEvent("filechooser"),
    chat.page.getByRole("button", { name: "Attach files" }).click(),
  ]);
  await chooser.setFiles(files);
}

/** The files attached in the composer, by name. */
function tray(chat: ChatPage, name: string) {
  return chat.page.getByRole("list", { name: "Files to send" }).getByRole("listitem").filter({ hasText: name });
}

/** The shown message that carries a file of this name. */
function messageWith(chat: ChatPage, name: string) {
  return chat.page
    .getByTestId("messages")
    .locator("li.msg")
    .filter({ has: chat.page.getByRole("list", { name: "Attachments" }).getByText(name) });
}

/** Waits until the page shows the photo `name` downloaded (a blob URL, decoded), and answers its natural width. */
async function shownPhotoWidth(page: Page, name: string, within = "[data-testid=messages]"): Promise<number> {
  const handle = await page.waitForFunction(
    ([scope, alt]) => {
      const img = [...document.querySelectorAll<HTMLImageElement>(`${scope} img`)].find((i) => i.alt === alt);
      return img?.src.startsWith("blob:") && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;
    },
    [within, name] as const,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

async function sendAttached(chat: ChatPage, name: string, caption = ""): Promise<void> {
  await tray(chat, name).filter({ hasText: "ready" }).waitFor({ timeout: 30_000 });
  await chat.composer().fill(caption);
  await chat.page.getByRole("button", { name: "Send", exact: true }).click();
  await chat.page.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });
}

describe("attachments on the page", { timeout: 90_000 }, () => {
  it("sends a photo: the other person sees it inline, measured and thumbnailed, and opens it full size", async () => {
    await attach(alice, [{ name: "sunset.png", mimeType: "image/png", buffer: png(640, 480) }]);
    await sendAttached(alice, "sunset.png", "look at this");
    expect(await shownPhotoWidth(bob.page, "sunset.png")).toBe(640);
    expect(await bob.messages("look at this").getByAltText("sunset.png").count()).toBe(1);
    expect(await shownPhotoWidth(alice.page, "sunset.png")).toBe(640);

    const stored = (await (await new Api(edge.url).as("bob")).history(conversationId)).body as {
      messages: { attachments?: { width?: number; height?: number; preview?: string }[] }[];
    };
    const [photo] = stored.messages.at(-1)!.attachments!;
    expect(photo).toMatchObject({ width: 640, height: 480 });
    expect(photo!.preview).toMatch(/^data:image\/jpeg;base64,/);

    await bob.screenshot("attachments-photo");
    await bob.page.getByRole("button", { name: "Open photo sunset.png" }).click();
    const lightbox = bob.page.getByRole("dialog", { name: "sunset.png" });
    await lightbox.waitFor();
    expect(await shownPhotoWidth(bob.page, "sunset.png", "dialog")).toBe(640);
    await bob.screenshot("attachments-lightbox");
    await bob.page.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });

    // After a reload the photo comes from the history page, downloaded anew.
    await bob.page.reload();
    await bob.connected();
    await bob.open("alice");
    expect(await shownPhotoWidth(bob.page, "sunset.png")).toBe(640);
  });

  it("sends a file: the other person downloads it under its name, byte for byte", async () => {
    const bytes = pdf(200_000);
    // A slow uplink (Chromium's network emulation), so the upload is seen on its way.
    const network = await alice.page.context().newCDPSession(alice.page);
    await network.send("Network.enable");
    const uplink = (bytesPerSecond: number) =>
      network.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: bytesPerSecond,
      });
    await uplink(50_000);
    await attach(alice, [{ name: "Quarterly report.pdf", mimeType: "application/pdf", buffer: bytes }]);
    const progress = tray(alice, "Quarterly report.pdf").getByRole("progressbar", {
      name: "Uploading Quarterly report.pdf",
    });
    await alice.page.waitForFunction(
      (bar) => bar !== null && (bar as HTMLProgressElement).value > 0 && (bar as HTMLProgressElement).value < 200_000,
      await progress.elementHandle(),
    );
    expect(await alice.page.getByRole("button", { name: "Uploading…" }).isDisabled()).toBe(true);
    await uplink(-1);
    await network.detach();
    await sendAttached(alice, "Quarterly report.pdf");
    const file = messageWith(bob, "Quarterly report.pdf");
    await file.waitFor();
    expect(await file.getByRole("button", { name: /Quarterly report\.pdf/ }).innerText()).toContain("195 KB");
    const [download] = await Promise.all([
      bob.page.waitForEvent("download", { timeout: 30_000 }),
      file.getByRole("button", { name: /Quarterly report\.pdf/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("Quarterly report.pdf");
    expect(readFileSync((await download.path())!).equals(bytes)).toBe(true);
    // The conversation list names the file of a message without text.
    await bob.conversation("alice").filter({ hasText: "alice: 📎 Quarterly report.pdf" }).waitFor();
  });

  it("sends what is dropped on the chat", async () => {
    const notes = Buffer.from("milk\neggs\nbread\n");
    await dropFiles(alice.page.locator("main.chat"), [
      { name: "shopping.txt", type: "text/plain", bytes: notes },
      { name: "dropped.png", type: "image/png", bytes: png(120, 90) },
    ]);
    await alice.page.locator(".drop-hint").waitFor({ state: "detached" });
    await tray(alice, "shopping.txt").filter({ hasText: "ready" }).waitFor({ timeout: 30_000 });
    await sendAttached(alice, "dropped.png", "for the weekend");
    expect(await shownPhotoWidth(bob.page, "dropped.png")).toBe(120);
    const message = bob.messages("for the weekend");
    await message.getByRole("button", { name: /shopping\.txt/ }).waitFor();
    const [download] = await Promise.all([
      bob.page.waitForEvent("download", { timeout: 30_000 }),
      message.getByRole("button", { name: /shopping\.txt/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("shopping.txt");
    expect(readFileSync((await download.path())!).equals(notes)).toBe(true);
  });

  it("shows why a file cannot be sent (too large, a type the chat does not take, not what its name says), and sends nothing", async () => {
    const stored = await edge.attachmentKeys();
    const bodies = await bob.bodies();
    await attach(alice, [
      { name: "holiday.pdf", mimeType: "application/pdf", buffer: pdf(MAX_BYTES + 50_000) },
      { name: "page.html", mimeType: "text/html", buffer: Buffer.from("<script>alert(1)</script>") },
      { name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not a picture at all") },
    ]);
    await tray(alice, "holiday.pdf")
      .filter({ hasText: `Too large: an attachment is at most ${MAX_BYTES} bytes.` })
      .waitFor({ timeout: 30_000 });
    await tray(alice, "page.html").filter({ hasText: "Not sent: the chat takes photos" }).waitFor();
    await tray(alice, "fake.png").filter({ hasText: "Not sent: its content is not image/png" }).waitFor();
    await alice.page.getByTestId("notices").filter({ hasText: "holiday.pdf: Too large:" }).waitFor();
    await alice.screenshot("attachments-refused");

    await alice.send("anything to send?");
    await bob.messages("anything to send?").waitFor();
    expect(await bob.bodies()).toEqual([...bodies, "anything to send?"]);
    expect(await bob.messages("anything to send?").getByRole("list", { name: "Attachments" }).count()).toBe(0);
    expect(await edge.attachmentKeys()).toEqual(stored);

    for (const name of ["holiday.pdf", "page.html", "fake.png"])
      await alice.page.getByRole("button", { name: `Remove ${name}` }).click();
    await alice.page.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });
  });

  it("offers to load a photo again when its download failed; a reply to it quotes it as a photo or file", async () => {
    let refused = 0;
    await bob.page.route(/\/attachments\/[0-9a-f-]{36}$/, async (route) => {
      if (refused++ === 0) return route.abort("connectionreset");
      await route.continue();
    });
    await attach(alice, [{ name: "second try.png", mimeType: "image/png", buffer: png(200, 100) }]);
    await sendAttached(alice, "second try.png");
    const again = bob.page.getByRole("button", { name: "Load photo second try.png again" });
    await again.filter({ hasText: "Photo not loaded: try again" }).waitFor();
    await again.click();
    expect(await shownPhotoWidth(bob.page, "second try.png")).toBe(200);
    expect(refused).toBe(2);
    await bob.page.unrouteAll();

    // A reply to a message of files alone quotes it as such.
    const photoOnly = bob.page
      .getByTestId("messages")
      .locator("li.msg")
      .filter({ has: bob.page.getByAltText("second try.png") });
    await photoOnly.getByRole("button", { name: "Message actions" }).click();
    await photoOnly.getByRole("button", { name: "Reply", exact: true }).click();
    await bob.send("nice one");
    expect(await alice.messages("nice one").locator(".quote").innerText()).toBe("alice photo or file");
  });

  it("shows no attachments of a message deleted for everyone", async () => {
    await alice.act("look at this", "Delete for everyone");
    await bob.messages("look at this").waitFor({ state: "detached" });
    await bob.messages("message deleted").waitFor();
    expect(await bob.messages("message deleted").getByRole("list", { name: "Attachments" }).count()).toBe(0);
    expect(await bob.page.getByAltText("sunset.png").count()).toBe(0);
    alice.expectNoPageErrors();
    bob.expectNoPageErrors();
  });
});
