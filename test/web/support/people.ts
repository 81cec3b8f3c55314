/** A file's setup: the page's edge started, and people signed in on it, each in a browser context of its own. */
import type { Browser } from "playwright-core";
import { personContext } from "./browser.js";
import { ChatPage } from "./chat-page.js";
import { buildPage, startPageEdge, type PageEdge } from "./page-edge.js";

/** No one signs in without a browser: the tests then fail with the launch's error (see useBrowser). */
export async function startWithPeople(
  browser: Browser | null,
  names: string[],
  bindings: Record<string, string> = {},
): Promise<{ edge: PageEdge; people: ChatPage[] }> {
  const edge = await startPageEdge(buildPage(), bindings);
  const people: ChatPage[] = [];
  if (browser)
    for (const name of names) people.push(await ChatPage.signIn(await personContext(browser), edge.url, name));
  return { edge, people };
}
