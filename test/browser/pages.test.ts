/**
 * The gateway's pages in a real browser (Chromium), as a demo is given in the browser alone:
 * the tokens page says whether the token works and until when, the dev clock's "+1 h" button
 * moves the clock, the status turns to "401 since ..." with the API's own reason and the
 * countdown to the web session end moves; the timeline tells the story; one stylesheet, dark
 * mode through prefers-color-scheme, no horizontal scrolling in a narrow window, and no CSP
 * violation (the page script and the stylesheet are files the CSP allows).
 *
 * With UPDATE_SCREENSHOTS=1 it also writes the README's screenshots to docs/screenshots/ (the
 * login page, the tokens page before and after expiry, the SAML debug view), so they show what
 * the code does; normal runs leave the tree alone.
 *
 * Needs /usr/bin/chromium or CHROMIUM=/path (support.ts); without it the test fails.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newPage, startStack, type BrowserStack } from './support.ts';

const STEP_TIMEOUT = 8_000;
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : null;
const VIEWPORT = { width: 1100, height: 760 };

/** `fullPage: false` keeps a long page (the SAML debug report) to its first screen. */
async function screenshot(page: Page, name: string, fullPage = true) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage });
}

describe('gateway pages in a real browser (Chromium)', { timeout: 60_000 }, () => {
  let stack: BrowserStack | undefined;
  let context: BrowserContext;
  let page: Page;
  let gw: string;
  let secret: string;
  const cspViolations: string[] = [];

  before(async () => {
    // The SSO API token timeout comes first (before the IdP's 8 h SessionNotOnOrAfter), so the
    // token stops while the browser stays signed in and the page can show it.
    stack = await startStack({ 'gateway.apiTokenTimeout': '1h' });
    ({ gw } = stack);
    ({ context, page } = await newPage(stack.browser, { viewport: VIEWPORT, colorScheme: 'light' }, STEP_TIMEOUT));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  after(async () => {
    await stack?.close();
  });

  const callWithToken = async (token: string) => {
    const res = await fetch(`${gw}/api/v2/account/details`, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.api+json' } });
    return { status: res.status, body: (await res.json()) as { errors?: Array<{ detail: string }> } };
  };
  const statusText = async () => (await page.locator('#tokens .token-status').first().innerText()).replace(/\s+/g, ' ').trim();
  const countdown = () => page.locator('#session-ends').innerText();

  async function signIn(p: Page, username: string, fault?: string) {
    await p.goto(`${gw}/session`);
    if (fault) {
      await p.locator('#preview-user').fill(username);
      await p.getByRole('button', { name: 'Preview' }).click();
      await p.locator('#fault').selectOption(fault);
    } else {
      await p.locator('input[name="username"]').fill(username);
    }
    await p.locator('input[name="password"]').fill(username);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.waitForURL((u) => u.origin === gw && u.pathname === '/', { waitUntil: 'load' });
  }

  it('the login page uses the shared look; alice signs in', async () => {
    await page.goto(`${gw}/session`);
    await page.locator('#directory-users').waitFor();
    await screenshot(page, 'login');
    await signIn(page, 'alice');
    assert.equal(await page.locator('h2').first().innerText(), 'alice');
  });

  it('the tokens page says the new token works until 1 h after the SAML login; the countdown shows the session end', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    assert.ok(await page.locator('#no-tokens').isVisible(), 'the empty list explains what a token is for');
    await page.getByLabel('Description').fill('ci pipeline');
    await page.getByRole('button', { name: 'Create an API token' }).click();
    secret = (await page.locator('#new-token').innerText()).trim();
    assert.equal((await callWithToken(secret)).status, 200);
    await page.goto(`${gw}/app/settings/tokens`);
    assert.match(await statusText(), /^works until 1 h after your last SAML login \((today|tomorrow) \d\d:\d\d, in 1 h\)$/);
    assert.match(await countdown(), /^(today|tomorrow) \d\d:\d\d, in 8 h$/);
    assert.match(await page.locator('#dev-clock').innerText(), /^Dev clock: \w{3} \d+ \w{3} \d{4} \d\d:\d\d$/);
    assert.equal(await page.locator('#session-ends').getAttribute('title'), await page.locator('#session-ends').getAttribute('datetime'), 'the instant in the tooltip');
    await screenshot(page, 'tokens-before');
  });

  it('"+1 h" moves the dev clock: the status turns to "401 since" with the API\'s reason, the countdown moves', async () => {
    const clockBefore = await page.locator('#dev-clock').innerText();
    await Promise.all([page.waitForURL(`${gw}/app/settings/tokens`, { waitUntil: 'load' }), page.getByRole('button', { name: '+1 h' }).click()]);
    assert.notEqual(await page.locator('#dev-clock').innerText(), clockBefore);
    const api = await callWithToken(secret);
    assert.equal(api.status, 401);
    await page.reload();
    const status = await statusText();
    assert.match(status, /^401 since (today|yesterday) \d\d:\d\d, now: log in again/);
    assert.ok(status.includes(api.body.errors![0]!.detail), `the page gives the API's reason: ${status}`);
    assert.match(await countdown(), /^(today|tomorrow) \d\d:\d\d, in 7 h$/);
    await screenshot(page, 'tokens-after');
  });

  it('"log in again" signs in again (the IdP session is still live) and the same token works again', async () => {
    await page.getByRole('link', { name: 'log in again' }).click();
    await page.waitForURL(`${gw}/app/settings/tokens`, { waitUntil: 'load' });
    assert.match(await statusText(), /^works until 1 h after your last SAML login \((today|tomorrow) \d\d:\d\d, in 1 h\)$/);
    assert.equal((await callWithToken(secret)).status, 200);
  });

  it('the timeline lists both logins and the refusal with its reason', async () => {
    await page.getByRole('link', { name: 'Timeline' }).click();
    const items = await page.locator('#timeline li').allInnerTexts();
    assert.equal(items.length, 3, items.join('\n'));
    assert.match(items[0]!, /SAML login; flag synced: not flagged as a service account/);
    assert.match(items[1]!, /Token at-\w+ refused \(401\): sso-api-token-timeout/);
    assert.match(items[1]!, /last SAML login was more than 1h ago/);
    assert.match(items[2]!, /SAML login; flag synced: not flagged as a service account/);
  });

  it('dark mode (prefers-color-scheme) changes the background; a narrow window does not scroll sideways', async () => {
    await page.goto(`${gw}/app/settings/tokens`);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    assert.notEqual(dark, light);
    await screenshot(page, 'tokens-dark');
    assert.equal(light, 'rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 380, height: 760 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'the page is wider than a narrow window');
    await page.setViewportSize(VIEWPORT);
  });

  it('the SAML debug view (carol, site admin) in the shared look: bob\'s login with a near-miss attribute', async () => {
    const newPage = async () => {
      const ctx = await context.browser()!.newContext({ viewport: VIEWPORT, colorScheme: 'light' });
      ctx.setDefaultTimeout(STEP_TIMEOUT);
      const p = await ctx.newPage();
      p.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
      });
      return { ctx, p };
    };
    const bob = await newPage();
    const admin = await newPage();
    try {
      // The IdP sends isServiceAccount (lower case): accepted, not flagged, one finding.
      await signIn(bob.p, 'bob', 'sa-name-lowercase');
      await signIn(admin.p, 'carol');
      const carol = admin.p;
      await carol.goto(`${gw}/app/admin/saml/attempts`);
      await carol.getByRole('row').filter({ hasText: 'bob@' }).getByRole('link').click();
      assert.match(await carol.locator('h2').first().innerText(), /^Login attempt \d+: accepted$/);
      assert.match(await carol.locator('body').innerText(), /SA_NAME_CASE/);
      assert.ok((await carol.locator('.signed').count()) > 0);
      await carol.setViewportSize({ width: VIEWPORT.width, height: 1250 });
      await screenshot(carol, 'saml-debug', false);
    } finally {
      await bob.ctx.close();
      await admin.ctx.close();
    }
  });

  it('no Content-Security-Policy violation on any page', () => {
    assert.deepEqual(cspViolations, []);
  });
});
