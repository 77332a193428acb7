/**
 * The IdP's directory page and recent-responses inspector in a real browser (Chromium): toggle
 * IsServiceAccount, add and remove a user through the forms (CSRF tokens carried by the browser
 * itself), then read a response in the inspector: its SP, user, signature status and decoded XML.
 *
 * Needs /usr/bin/chromium (apt-get install chromium); without it the test fails, it does not skip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newPage, startStack, type BrowserStack } from './support.ts';

const TOKEN = 'browser-test-admin-token-0123456789';

describe('IdP directory and inspector in a real browser (Chromium)', { timeout: 40_000 }, () => {
  let stack: BrowserStack | undefined;
  let page: Page;
  let gw: string;
  let idp: string;

  before(async () => {
    stack = await startStack({ 'idp.adminToken': TOKEN });
    ({ gw, idp } = stack);
    ({ page } = await newPage(stack.browser));
  });

  after(async () => {
    await stack?.close();
  });

  it('asks for the admin token, then toggles bob\'s IsServiceAccount and adds and removes a user', async () => {
    await page.goto(`${idp}/directory`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${idp}/directory`);
    const bob = page.locator('#user-bob');
    assert.match(await bob.innerText(), /IsServiceAccount = true[\s\S]*flagged/);
    await bob.getByRole('button', { name: 'Set IsServiceAccount=false' }).click();
    await page.getByRole('status').waitFor();
    assert.match(await page.getByRole('status').innerText(), /bob: IsServiceAccount is now false/);
    assert.match(await page.locator('#user-bob').innerText(), /IsServiceAccount = false[\s\S]*not flagged/);

    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('MemberOf (comma-separated teams)').fill('developers');
    await page.getByLabel('IsServiceAccount=true').check();
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#user-dana').waitFor();
    assert.match(await page.locator('#user-dana').innerText(), /MemberOf = developers[\s\S]*IsServiceAccount = true[\s\S]*flagged/);
    await page.locator('#user-dana').getByRole('button', { name: 'Remove dana' }).click();
    await page.getByRole('status').waitFor();
    assert.equal(await page.locator('#user-dana').count(), 0);
  });

  it('the inspector shows the response of a login: SP, user, valid signatures and the decoded XML', async () => {
    await page.goto(`${gw}/session`);
    await page.locator('input[name="username"]').fill('carol');
    await page.locator('input[name="password"]').fill('carol');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.origin === gw && u.pathname === '/', { waitUntil: 'load' });

    await page.goto(`${idp}/responses`);
    const first = page.locator('#responses > li').first();
    const text = await first.innerText();
    assert.match(text, /login to http:\/\/localhost:\d+\/users\/saml\/metadata for carol/);
    assert.match(text, /Signatures: Response: valid · Assertion: valid/);
    const xml = first.locator('pre').first();
    assert.equal(await xml.isVisible(), false, 'collapsed until asked');
    await first.getByText('Decoded XML, as sent').click();
    assert.match(await xml.innerText(), /<saml:NameID Format="urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress">carol@example\.com<\/saml:NameID>/);
  });
});
