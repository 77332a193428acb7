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
  /** Lets go of the shared browser (closed once no test uses it), then closes the services. */
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
    browser = await acquireChromium();
  } catch (err) {
    await services.close();
    throw err;
  }
  let closed = false;
  return {
    browser,
    gw: config.gateway.baseUrl,
    idp: config.idp.baseUrl,
    async close() {
      if (!closed) releaseChromium();
      closed = true;
      await services.close();
    },
  };
}

/**
 * One Chromium per test process, shared by the browser files that run in it (npm test bundles
 * them together: scripts/test-files.mjs, GROUPS). A launch and close costs ~2 s of CPU; each test
 * still gets its own contexts (newPage), so no cookie or storage crosses from one test to the
 * next. The browser closes shortly after its last user lets go (a file that starts right after
 * picks it up again); a browser that died is launched anew.
 */
let shared: { browser: Promise<Browser>; users: number; idle?: NodeJS.Timeout } | undefined;

async function acquireChromium(): Promise<Browser> {
  if (shared) {
    const browser = await shared.browser.catch(() => undefined);
    if (!browser?.isConnected()) shared = undefined;
  }
  shared ??= { browser: launchChromium(), users: 0 };
  const s = shared;
  clearTimeout(s.idle);
  s.users += 1;
  try {
    return await s.browser;
  } catch (err) {
    if (shared === s) shared = undefined;
    throw err;
  }
}

function releaseChromium() {
  const s = shared;
  if (!s) return;
  s.users -= 1;
  if (s.users > 0) return;
  // Long enough for the next browser file of the bundle to start; the timer keeps the process
  // alive until the browser is closed, so no Chromium outlives its test process.
  s.idle = setTimeout(() => {
    if (s.users > 0) return;
    if (shared === s) shared = undefined;
    void s.browser.then((b) => b.close()).catch(() => undefined);
  }, 1_000);
}

/** A new context and its first page, every step (actions and navigations) bounded by `stepMs`. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}, stepMs = 8_000): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(stepMs);
  context.setDefaultNavigationTimeout(stepMs);
  return { context, page: await context.newPage() };
}
