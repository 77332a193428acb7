/**
 * Shared set-up for the real-browser tests: which Chromium to drive and how. Debian's
 * /usr/bin/chromium by default; set CHROMIUM=/path/to/chrome to use another build (a distribution
 * that installs it elsewhere, or a downloaded Chrome for Testing). The test fails, it does not
 * skip, when the browser is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.ts';
import { resolveConfig, type FlagOverrides } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices } from '../../src/server.ts';
import { freePort } from '../../src/util/free-port.ts';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), or point CHROMIUM at a Chromium or Chrome binary, to run the browser tests`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 });
}

/** What a browser test drives: the started services, their base URLs, and one Chromium. */
export interface BrowserStack {
  browser: Browser;
  gw: string;
  idp: string;
  /** Closes the browser (a crashed one is not an error), then the services. */
  close(): Promise<void>;
}

/**
 * The IdP and the gateway (or only what `which` names) on free ports, with the manual clock and
 * an in-memory store unless `flags` says otherwise, and a Chromium. A browser that fails to start
 * closes the services again, so a missing Chromium leaves no port behind.
 */
export async function startStack(flags: FlagOverrides = {}, which = { idp: true, gateway: true }): Promise<BrowserStack> {
  const config = resolveConfig({}, { clock: 'manual', data: ':memory:', 'idp.port': await freePort(), 'gateway.port': await freePort(), ...flags });
  const services = await startServices(config, which, { logger: silentLogger, clock: new ManualClock() });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await services.close();
    throw err;
  }
  return {
    browser,
    gw: config.gateway.baseUrl,
    idp: config.idp.baseUrl,
    async close() {
      await browser.close().catch(() => undefined);
      await services.close();
    },
  };
}

/** A new context and its first page, every step (actions and navigations) bounded by `stepMs`. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}, stepMs = 8_000): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(stepMs);
  context.setDefaultNavigationTimeout(stepMs);
  return { context, page: await context.newPage() };
}
