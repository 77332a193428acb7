/**
 * The IdP's login CSRF in a real browser (Debian's Chromium, playwright-core), the way it was
 * reproduced: a page on a sibling localhost port fetches its own CSRF cookie+token pair from the
 * IdP, plants that cookie in the victim's browser (cookies do not isolate ports), and posts the
 * login form with alice's credentials through a 307 redirect, so the browser sends
 * `Origin: null`. Before the fix the victim's IdP identity switched from carol to alice.
 *
 * Needs /usr/bin/chromium (apt-get install chromium); without it the test fails, it does not skip.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../../src/util/free-port.ts';
import { newPage, startStack, type BrowserStack } from './support.ts';

const STEP_TIMEOUT = 8_000;

/** The attacker's site on another port of localhost. */
function siblingSite(idp: string, port: number): http.Server {
  return http
    .createServer(async (req, res) => {
      if (req.method === 'GET' && req.url === '/') {
        // Its own pair, fetched server-side from the IdP like any client could.
        const login = await fetch(`${idp}/login`);
        const cookie = login.headers.getSetCookie().find((c) => c.startsWith('samlgate_idp_csrf='))!.split(';')[0]!;
        const token = /name="csrf" value="([^"]+)"/.exec(await login.text())![1]!;
        res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `${cookie}; Path=/; HttpOnly; SameSite=Strict` });
        res.end(
          `<!DOCTYPE html><form id="f" method="post" action="http://localhost:${port}/bounce">` +
            `<input name="username" value="alice"><input name="password" value="alice"><input name="csrf" value="${token}"></form>` +
            `<script>document.getElementById('f').submit()</script>`,
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/bounce') {
        // 307 keeps method and body; across origins the browser then sends Origin: null.
        res.writeHead(307, { location: `${idp}/login` });
        return res.end();
      }
      res.writeHead(404).end();
    })
    .listen(port, '127.0.0.1');
}

describe('IdP login CSRF from a sibling localhost port, in a real browser (Chromium)', { timeout: 40_000 }, () => {
  let stack: BrowserStack | undefined;
  let attacker: http.Server | undefined;
  let page: Page;
  let idp: string;
  let attackerPort: number;

  before(async () => {
    stack = await startStack({}, { idp: true, gateway: false });
    ({ idp } = stack);
    attackerPort = await freePort();
    attacker = siblingSite(idp, attackerPort);
    await once(attacker, 'listening');
    ({ page } = await newPage(stack.browser, {}, STEP_TIMEOUT));
  });

  after(async () => {
    await stack?.close();
    attacker?.close();
  });

  it('a page on a sibling port cannot switch the signed-in victim from carol to alice (Origin: null and a planted CSRF cookie are refused)', async () => {
    assert.match(idp, /^http:\/\/localhost:\d+$/);
    await page.goto(`${idp}/login`);
    await page.locator('#username').fill('carol');
    await page.locator('#password').fill('carol');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('You are signed in to the test IdP as carol').waitFor();

    await page.goto(`http://localhost:${attackerPort}/`);
    await page.waitForURL((u) => u.href === `${idp}/login`, { waitUntil: 'load' });
    const refusal = await page.locator('body').innerText();
    assert.match(refusal, /Form refused/);
    assert.match(refusal, /Origin: null/);
    assert.match(refusal, /Reload the login page/);

    await page.goto(`${idp}/`);
    assert.match(await page.locator('body').innerText(), /signed in to the test IdP as carol/, 'still carol');
  });
});
