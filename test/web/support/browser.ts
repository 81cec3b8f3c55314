/**
 * Debian's Chromium driven by playwright-core (never `npx playwright install`: no browser downloads here).
 * A missing browser fails the run with the fix, rather than skipping the only tests of the page.
 */
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { ROOT } from "../../support/bundle.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = resolve(ROOT, "test-results/web");

async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests need Debian's chromium package: ` +
        "run `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).",
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Launches the browser once per file. A launch failure fails every test of the file with its message
 * (a failing beforeAll would only mark them skipped, which is too easy to miss). Returns null until launched.
 */
export function useBrowser(): () => Browser | null {
  let browser: Browser | null = null;
  let failure: unknown = null;
  beforeAll(async () => {
    browser = await launchBrowser().catch((error: unknown) => ((failure = error), null));
  });
  beforeEach(() => {
    if (failure) throw failure;
  });
  afterAll(() => browser?.close());
  return () => browser;
}

/** One person: a context of its own (own localStorage), like a separate browser profile. */
export async function personContext(
  browser: Browser,
  viewport = { width: 1100, height: 720 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(15_000);
  return context;
}
