/**
 * The SAML debug view in a real browser (Debian's Chromium via playwright-core): a login the
 * gateway refuses shows the reason and the fix on its own page, and a site admin can open the
 * full report of that attempt - decoded response with the signed part marked, attributes with
 * their NameFormat, findings. Debug is on by default with the manual clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startStack, type BrowserStack } from './support.ts';


describe('SAML debug view in a real browser (Chromium)', { timeout: 40_000 }, () => {
  let stack: BrowserStack | undefined;
  let browser: Browser;
  let gw: string;
  let idp: string;

  before(async () => {
    stack = await startStack();
    ({ browser, gw, idp } = stack);
  });

  after(async () => {
    await stack?.close();
  });

  async function signIn(page: Page, username: string) {
    await page.goto(`${gw}/session`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(username);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState('load');
  }

  it('a refused login shows the reason and the fix; the admin debug page shows the full report', async () => {
    const patched = await fetch(`${idp}/api/users/bob`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults: ['wrong-audience', 'sa-name-lowercase'] }) });
    assert.equal(patched.status, 200);
    const alice = await (await browser!.newContext()).newPage();
    await signIn(alice, 'bob');
    await alice.waitForURL(`${gw}/users/saml/auth`);
    const refused = await alice.locator('body').innerText();
    assert.match(refused, /Sign-in failed/);
    assert.match(refused, /E_AUDIENCE: assertion audience is `https:\/\/wrong-audience\.invalid\/saml\/metadata`/);
    assert.match(refused, /Fix: set the SP entity ID \(audience\) in your IdP to/);
    const reportHref = await alice.getByRole('link', { name: /login attempt \d+/ }).getAttribute('href');
    assert.ok(reportHref);

    const carol = await (await browser!.newContext()).newPage();
    await signIn(carol, 'carol');
    await carol.waitForURL(`${gw}/`);
    await carol.goto(`${gw}/app/admin/users`);
    await carol.getByRole('link', { name: /SAML debug/ }).click();
    await carol.waitForURL(`${gw}/app/admin/saml/attempts`);
    assert.match(await carol.locator('table').innerText(), /refused\s+E_AUDIENCE/);
    await carol.goto(`${gw}${reportHref}`);
    const report = await carol.locator('body').innerText();
    assert.match(report, /Login attempt \d+: refused/);
    assert.match(report, /SA_NAME_CASE/, 'the findings report covers every check, not just the refusal');
    assert.match(report, /isServiceAccount\s+urn:oasis:names:tc:SAML:2\.0:attrname-format:basic/);
    assert.equal(await carol.locator('.signed').count() > 0, true, 'the signed assertion is marked');
    assert.match(await carol.locator('.signed').first().innerText(), /<saml:Assertion/);
  });
});
