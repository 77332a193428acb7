/**
 * The IdP's login page in a real browser (Debian's Chromium, playwright-core): pick a user from
 * the directory, see what will be asserted (times shown in the browser's own time zone, which
 * needs the CSP to allow exactly our script), choose a fault for this one login, land back at the
 * gateway with that fault's effect; and the page refuses to be framed.
 *
 * Needs /usr/bin/chromium (apt-get install chromium); without it the test fails, it does not skip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newPage, startStack, type BrowserStack } from './support.ts';

const STEP_TIMEOUT = 8_000;

describe('IdP login page in a real browser (Chromium)', { timeout: 40_000 }, () => {
  let stack: BrowserStack | undefined;
  let context: BrowserContext;
  let page: Page;
  let gw: string;
  let idp: string;
  const consoleErrors: string[] = [];

  before(async () => {
    stack = await startStack();
    ({ gw, idp } = stack);
    ({ context, page } = await newPage(stack.browser, { timezoneId: 'Asia/Tokyo', locale: 'en-US' }, STEP_TIMEOUT));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });

  after(async () => {
    await stack?.close();
  });

  it('pick bob, see NameID, attributes with NameFormat and a local SessionNotOnOrAfter, choose sa-name-lowercase: the gateway does not flag him', async () => {
    await page.goto(`${gw}/session`);
    await page.locator('#directory-users').waitFor();
    await page.getByRole('link', { name: 'Bob (service account)' }).click();
    await page.waitForURL((u) => u.origin === idp && u.searchParams.get('user') === 'bob');
    const preview = page.locator('#assertion-preview');
    assert.match(await preview.innerText(), /bob@example\.com\s+Format urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress/);
    const rows = await page.locator('#attribute-preview tbody tr').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split('\t').map((c) => c.trim())), [
      ['Username', 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'bob'],
      ['MemberOf', 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'developers'],
      ['IsServiceAccount', 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'true'],
    ]);
    // The shared page script re-rendered the time in the browser's own zone (Tokyo), in the words
    // of the server's formatter: "tomorrow 02:13, in 8 h", the instant in the tooltip.
    const time = page.locator('#assertion-preview time');
    const shown = await time.innerText();
    const iso = await time.getAttribute('datetime') as string;
    assert.equal(await time.getAttribute('title'), iso);
    const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
    assert.match(shown, new RegExp(`^(today|tomorrow) ${tokyo}, in 8 h$`), 'local time in the browser time zone');
    assert.match(await preview.innerText(), /, in 8 h — the SP should end its session then/);
    assert.match(await page.locator('#sa-reading').innerText(), /flagged/);

    await page.locator('#fault').selectOption('sa-name-lowercase');
    await page.locator('input[name="password"]').fill('bob');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.origin === gw && u.pathname === '/', { waitUntil: 'load' });
    const me = await context.request.get(`${gw}/api/v2/account/details`, { headers: { accept: 'application/vnd.api+json' } });
    assert.equal(me.status(), 200);
    const body = await me.json();
    assert.equal(body.data.attributes.username, 'bob');
    assert.equal(body.data.attributes['is-service-account'], false, 'the one-login fault reached the gateway');
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)), [], 'no CSP violation');
  });

  it('"Not you? Switch user" forgets the IdP session; the next login asks again', async () => {
    await page.goto(`${idp}/`);
    await page.getByRole('link', { name: 'Not you? Switch user' }).click();
    await page.locator('#directory-users').waitFor();
    await page.goto(`${gw}/session?force=1`);
    await page.locator('input[name="password"]').waitFor({ state: 'visible' });
  });

  it('the login page cannot be framed by another site', async () => {
    const framer = await context.newPage();
    const blocked: string[] = [];
    framer.on('console', (m) => blocked.push(m.text()));
    await framer.setContent(`<iframe id="f" src="${idp}/login"></iframe>`);
    await framer.waitForTimeout(1_000);
    const frame = framer.frames().find((f) => f !== framer.mainFrame());
    const framedText = frame ? await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '') : '';
    assert.doesNotMatch(framedText, /Username/, 'the login form rendered inside the frame');
    await framer.close();
  });
});
