/**
 * Shared set-up for the real-browser tests: which Chromium to drive and how. Debian's
 * /usr/bin/chromium by default; set CHROMIUM=/path/to/chrome to use another build (a distribution
 * that installs it elsewhere, or a downloaded Chrome for Testing). The test fails, it does not
 * skip, when the browser is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), or point CHROMIUM at a Chromium or Chrome binary, to run the browser tests`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 });
}
