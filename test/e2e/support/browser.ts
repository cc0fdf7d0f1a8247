// Debian's chromium driven by playwright-core (never a downloaded browser).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Chromium inside a network namespace, so its 127.0.0.1 is the namespace's own (where a web host
 * started there listens). playwright-core drives it over an inherited pipe, which crosses
 * namespaces; the wrapper script goes into `dir`.
 */
export async function launchChromiumInNamespace(netns: string, dir: string): Promise<Browser> {
  const wrapper = join(dir, 'chromium-in-netns');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${netns}' '${CHROMIUM}' "$@"\n`, {
    mode: 0o755,
  });
  return launchChromium(wrapper);
}

/**
 * Opens `url` in a fresh 1280x900 context in a colour scheme, and collects what must never
 * happen: console errors and warnings (CSP violations among them) and uncaught exceptions.
 */
export async function openWatchedPage(
  browser: Browser,
  url: string,
  colorScheme: 'light' | 'dark',
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  return { page, problems };
}
