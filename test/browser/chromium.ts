/**
 * Debian's Chromium driven by playwright-core: no browser download (there is no internet
 * here), flags that keep it off the network, a fresh profile per launch (Playwright's own).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const chromiumPath = "/usr/bin/chromium";

/** Fails, never skips, when Chromium is missing: a skipped e2e test would pass CI silently. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} not found: the browser tests need Debian's Chromium, run \`apt-get install -y chromium\` (as root)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    // Playwright adds --headless and a new --user-data-dir; the rest stop Chromium's own
    // background connections, which this closed network refuses (machines/node.md).
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
