/**
 * The SSO story in a real browser (Debian's Chromium driven by playwright-core): SP-initiated
 * login through the IdP's HTML login form and auto-posting SAML form, a token created from the
 * tokens page, S1/S2 expiry on the manual clock, and a second login that revives the same token.
 * It proves what supertest cannot: that the HTML forms, cookies (SameSite=Lax, across ports) and
 * the Content-Security-Policy headers let a browser complete the flow on its own.
 *
 * Needs /usr/bin/chromium (apt-get install chromium) or CHROMIUM=/path/to/chromium (support.ts);
 * without it the test fails, it does not skip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newPage, startStack, type BrowserStack } from './support.ts';

const SCREENSHOT = '/tmp/samlgate-account.png';
const STEP_TIMEOUT = 8_000;

/** What the browser did, for failure messages: navigations, ACS posts and console errors (CSP). */
interface Trace {
  console: string[];
  acsPosts: { status: number; sessionCookieSent: boolean; pendingCookieSent: boolean; relay: boolean }[];
  navigations: string[];
}

function traceOf(page: Page): Trace {
  const trace: Trace = { console: [], acsPosts: [], navigations: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') trace.console.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => trace.console.push(`pageerror: ${err.message}`));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) trace.navigations.push(frame.url().replace(/([?&](SAMLRequest|SAMLResponse|Signature)=)[^&]+/g, '$1…'));
  });
  page.on('response', async (res) => {
    const req = res.request();
    if (req.method() !== 'POST' || !req.url().endsWith('/users/saml/auth')) return;
    const headers = await req.allHeaders().catch(() => ({}) as Record<string, string>);
    trace.acsPosts.push({
      status: res.status(),
      sessionCookieSent: (headers.cookie ?? '').includes('samlgate_session='),
      pendingCookieSent: (headers.cookie ?? '').includes('samlgate_pending='),
      relay: (req.postData() ?? '').includes('_samlgate_relay=1'),
    });
  });
  return trace;
}

async function describeFailure(page: Page, trace: Trace, what: string): Promise<string> {
  const text = await page.locator('body').innerText({ timeout: 1_000 }).catch(() => '(no body)');
  const csp = trace.console.filter((l) => /Content Security Policy|Refused to/i.test(l));
  return [
    `${what}; the browser is at ${page.url()}`,
    csp.length ? `CSP blocked something (the auto-posting form cannot submit itself): ${csp.join(' | ')}` : 'no CSP violation reported by the browser',
    trace.acsPosts.length
      ? `ACS posts: ${trace.acsPosts.map((p) => `HTTP ${p.status}, samlgate_pending cookie ${p.pendingCookieSent ? 'sent' : 'NOT sent'}, samlgate_session cookie ${p.sessionCookieSent ? 'sent' : 'NOT sent'}${p.relay ? ' (same-site relay)' : ''}`).join('; ')}`
      : 'the browser never posted to the ACS (/users/saml/auth)',
    `navigations: ${trace.navigations.join(' -> ')}`,
    `console: ${trace.console.join(' | ') || '(empty)'}`,
    `page text: ${text.replace(/\s+/g, ' ').slice(0, 600)}`,
  ].join('\n  ');
}

describe('SSO in a real browser (Chromium)', { timeout: 30_000 }, () => {
  let stack: BrowserStack | undefined;
  let page: Page;
  let trace: Trace;
  let gw: string;
  let idp: string;
  let secret: string;

  before(async () => {
    stack = await startStack({
      // The durable default (SQLite), in a directory of its own.
      data: mkdtempSync(path.join(os.tmpdir(), 'samlgate-browser-')),
      'gateway.idleTimeout': '20m',
    });
    ({ gw, idp } = stack);
    ({ page } = await newPage(stack.browser, {}, STEP_TIMEOUT));
    trace = traceOf(page);
  });

  after(async () => {
    await stack?.close();
  });

  const onAccountPage = (url: URL) => url.origin === gw && url.pathname === '/';

  /** Waits for the browser to come back to the gateway account page by itself; fails with what it saw. */
  async function expectBackOnAccountPage(what: string): Promise<void> {
    try {
      await page.waitForURL(onAccountPage, { timeout: STEP_TIMEOUT, waitUntil: 'load' });
    } catch {
      assert.fail(await describeFailure(page, trace, `${what}: the browser did not get back to the gateway account page ${gw}/ by itself`));
    }
  }

  async function callWithToken(token: string) {
    const res = await fetch(`${gw}/api/v2/account/details`, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.api+json' } });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.json().catch(() => undefined) };
  }

  it('signs alice in through the IdP login form and the auto-posting SAML form', async () => {
    await page.goto(`${gw}/session`);
    assert.equal(new URL(page.url()).origin, idp, await describeFailure(page, trace, '/session did not send the browser to the IdP'));
    const password = page.locator('input[name="password"]');
    await password.waitFor({ state: 'visible' }).catch(async () => assert.fail(await describeFailure(page, trace, 'no IdP login form')));

    await page.locator('input[name="username"]').fill('alice');
    await password.fill('alice');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectBackOnAccountPage('after submitting the IdP login form');

    const acsOk = trace.acsPosts.at(-1);
    // The Lax pending-login cookie rode along on the IdP's cross-port (same-site) auto-post.
    assert.ok(acsOk && acsOk.status === 303 && acsOk.pendingCookieSent, await describeFailure(page, trace, 'the ACS post that ended the login'));
    assert.equal(await page.locator('h2').first().innerText(), 'alice', await describeFailure(page, trace, 'account page heading'));
    const body = await page.locator('body').innerText();
    assert.match(body, /Flag last synced at login on today \d\d:\d\d, now/, await describeFailure(page, trace, 'account page without the F2 sync time'));
    assert.match(body, /alice@/);
    assert.ok(await page.getByRole('button', { name: 'Sign out' }).isVisible(), 'signed-in page has a Sign out button');
  });

  it('creates an API token on the tokens page; the secret is shown once and works as a Bearer token', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.waitForURL(`${gw}/app/settings/tokens`);
    await page.getByLabel('Description').fill('browser e2e');
    await page.getByRole('button', { name: 'Create an API token' }).click();
    const newToken = page.locator('#new-token');
    await newToken.waitFor().catch(async () => assert.fail(await describeFailure(page, trace, 'no #new-token after submitting "Create an API token"')));
    secret = (await newToken.innerText()).trim();
    assert.ok(secret.length >= 20, `token secret looks wrong: ${JSON.stringify(secret)}`);

    const ok = await callWithToken(secret);
    assert.equal(ok.status, 200, `Bearer call with the new token: ${JSON.stringify(ok.body)}`);
    assert.equal(ok.body?.data?.attributes?.username, 'alice');

    // Load the page again (a GET, not a re-POST): the secret must not be shown again.
    await page.goto(`${gw}/app/settings/tokens`);
    assert.equal(await page.locator('#new-token').count(), 0, 'the tokens page shows a #new-token again');
    const html = await page.content();
    assert.ok(!html.includes(secret), 'the tokens page contains the secret again');
    assert.match(await page.locator('body').innerText(), /browser e2e/, 'the token is listed with its description');
  });

  it('past the idle timeout the token gets 401 pointing at /session and the browser is signed out', async () => {
    const moved = await fetch(`${gw}/api/v2/_sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '21m' }) });
    assert.equal(moved.status, 200, `POST /api/v2/_sim/clock: ${await moved.text()}`);

    const expired = await callWithToken(secret);
    assert.equal(expired.status, 401, `token after 21m idle: ${JSON.stringify(expired.body)}`);
    assert.match(expired.contentType, /^application\/vnd\.api\+json/);
    const error = expired.body?.errors?.[0];
    assert.equal(error?.status, '401');
    assert.ok(String(error?.detail).includes(`${gw}/session`), `401 detail does not mention ${gw}/session: ${JSON.stringify(expired.body)}`);

    await page.goto(`${gw}/`);
    const body = await page.locator('body').innerText();
    assert.ok(await page.getByRole('link', { name: 'Sign in with SSO' }).first().isVisible(), `not signed out: ${body.slice(0, 400)}`);
    assert.match(body, /Your session ended after a period of inactivity/, 'no idle-timeout message on the account page');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  });

  it('signing in again in the browser revives the same token (S2: it was not deleted)', async () => {
    await page.getByRole('link', { name: 'Sign in with SSO' }).first().click();
    // The IdP session (samlgate_idp) normally outlives the gateway's idle timeout, so the IdP may
    // answer straight away with its auto-posting form; if it asks for the password, give it.
    const password = page.locator('input[name="password"]');
    const landed = await Promise.race([
      page.waitForURL(onAccountPage, { waitUntil: 'load' }).then(() => 'account' as const),
      password.waitFor({ state: 'visible' }).then(() => 'login' as const),
    ]).catch(async () => assert.fail(await describeFailure(page, trace, 'second sign-in went nowhere')));
    if (landed === 'login') {
      await page.locator('input[name="username"]').fill('alice');
      await password.fill('alice');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }
    await expectBackOnAccountPage('second sign-in');
    assert.equal(await page.locator('h2').first().innerText(), 'alice');
    assert.match(await page.locator('body').innerText(), /Flag last synced at login on/);

    const revived = await callWithToken(secret);
    assert.equal(revived.status, 200, `same token after logging in again: ${JSON.stringify(revived.body)}`);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('"Sign out" ends the gateway session through the IdP and the token stops working', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    try {
      await page.waitForURL((url) => url.origin === gw, { waitUntil: 'load' });
      await page.getByRole('link', { name: 'Sign in with SSO' }).first().waitFor();
    } catch {
      assert.fail(await describeFailure(page, trace, 'after "Sign out" the browser is not on a signed-out gateway page'));
    }
    await page.goto(`${gw}/`);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'still signed in after Sign out');
    const afterLogout = await callWithToken(secret);
    assert.equal(afterLogout.status, 401, `token after logout: ${JSON.stringify(afterLogout.body)}`);
  });
});
