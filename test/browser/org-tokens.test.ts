/**
 * Team and organization tokens from the pages, in a real browser (Debian's Chromium through
 * playwright-core): navigation from the account page, the secret shown once with a working copy
 * button (the script runs under the page's CSP nonce), obfuscated on reload, regenerate with its
 * warning killing the old secret, delete. Needs /usr/bin/chromium; without it the test fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newPage, startStack, type BrowserStack } from './support.ts';

const SECRET = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/;

describe('team and organization tokens in a real browser (Chromium)', { timeout: 40_000 }, () => {
  let stack: BrowserStack | undefined;
  let page: Page;
  let gw: string;
  const consoleErrors: string[] = [];

  before(async () => {
    stack = await startStack();
    ({ gw } = stack);
    let context: BrowserContext;
    ({ context, page } = await newPage(stack.browser));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  after(async () => {
    await stack?.close();
  });

  const call = async (secret: string) => (await fetch(`${gw}/api/v2/account/details`, { headers: { authorization: `Bearer ${secret}` } })).status;

  async function signIn(user: string) {
    await page.goto(`${gw}/session`);
    await page.locator('input[name="username"]').fill(user);
    await page.locator('input[name="password"]').fill(user);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${gw}/`);
  }

  let teamUrl = '';
  it('carol reaches the developers team page from the account page', async () => {
    await signIn('carol');
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.getByRole('link', { name: 'example-org' }).click();
    await page.waitForURL(`${gw}/app/example-org/settings/teams`);
    await page.getByRole('link', { name: 'developers' }).click();
    assert.equal(await page.locator('h2').innerText(), 'Team developers');
    teamUrl = page.url();
    assert.ok(await page.getByRole('heading', { name: 'Team API Token' }).isVisible());
  });

  let teamSecret = '';
  it('generates the team token: shown once, the copy button copies it, reload obfuscates it', async () => {
    await page.getByRole('button', { name: 'Create a team token' }).click();
    teamSecret = (await page.locator('#new-token').innerText()).trim();
    assert.match(teamSecret, SECRET);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.locator('#copy-status').filter({ hasText: /Copied|Selected/ }).waitFor();
    const status = await page.locator('#copy-status').innerText();
    if (status.startsWith('Copied')) assert.equal(await page.evaluate(() => navigator.clipboard.readText()), teamSecret);
    assert.equal(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)).length, 0, consoleErrors.join(' | '));
    assert.equal(await call(teamSecret), 200);
    // The page after the POST is the one answer with the secret; a fresh GET of the team page must not show it.
    await page.goto(teamUrl);
    assert.equal(await page.locator('#new-token').count(), 0);
    assert.ok(!(await page.content()).includes(teamSecret), 'the secret is on the page again');
    assert.match(await page.locator('#api-token').innerText(), /hidden: regenerate to get a new secret/);
  });

  it('regenerate warns that the old token dies, and it does', async () => {
    assert.match(await page.locator('#regenerate-warning').innerText(), /stops working immediately/);
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    const next = (await page.locator('#new-token').innerText()).trim();
    assert.match(next, SECRET);
    assert.notEqual(next, teamSecret);
    assert.equal(await call(teamSecret), 401);
    assert.equal(await call(next), 200);
    await page.getByRole('button', { name: 'Delete token' }).click();
    await page.getByText('Team token deleted').waitFor();
    assert.equal(await call(next), 401);
  });

  it('the organization API Token page: generate, regenerate, delete', async () => {
    await page.goto(`${gw}/app/example-org/settings/teams`);
    await page.getByRole('link', { name: 'API Token' }).click();
    await page.getByRole('button', { name: 'Create an organization token' }).click();
    const first = (await page.locator('#new-token').innerText()).trim();
    assert.match(first, SECRET);
    assert.equal(await call(first), 200);
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    const second = (await page.locator('#new-token').innerText()).trim();
    assert.equal(await call(first), 401);
    await page.getByRole('button', { name: 'Delete token' }).click();
    await page.getByText('Organization token deleted').waitFor();
    assert.equal(await call(second), 401);
    await page.screenshot({ path: '/tmp/samlgate-org-token.png', fullPage: true });
  });
});
