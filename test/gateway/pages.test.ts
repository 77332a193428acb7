/**
 * The gateway's pages as a demo audience meets them: every time local and relative, the tokens
 * page saying whether each token works now and until when (in the API's own words), the dev
 * clock's buttons, the timeline, and one stylesheet and one script served as files under a CSP
 * that allows no inline style or script.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loginThroughGateway, metaCsrfToken, SamlBrowser } from '../../src/client/saml-browser.ts';
import { resolveConfig } from '../../src/config.ts';
import { SCRIPT_PATH, STYLESHEET_PATH } from '../../src/http/assets.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices } from '../../src/server.ts';
import { freePort } from '../../src/util/free-port.ts';
import { callWithToken, createHarness, type LoggedIn } from '../support/harness.ts';
import { teamId } from '../support/tfe-api.ts';

/** The page's text as a reader sees it: tags and attributes (tooltips included) removed. */
const visibleText = (page: string) =>
  page.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&#34;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ ([),;:.])/g, '$1');

/** The text of the one token's status cell on the tokens page. */
async function tokenStatusText(who: LoggedIn): Promise<string> {
  const page = await who.browser.gw.get('/app/settings/tokens').expect(200);
  const cell = /<td class="token-status">([\s\S]*?)<\/td>/.exec(page.text);
  assert.ok(cell, 'no status cell on the tokens page');
  return visibleText(cell[1]!).trim();
}

const advanceWithButton = (who: LoggedIn, advance: string, returnTo = '/app/settings/tokens') =>
  who.browser.gw.post('/app/_sim/clock').type('form').send({ _csrf: who.csrf, advance, return_to: returnTo });

describe('gateway pages: one stylesheet and one script, as files under the CSP', () => {
  it('both halves serve /assets/samlgate.css and /assets/samlgate.js with their types and nosniff', async () => {
    const h = await createHarness();
    for (const app of [h.gateway.app, h.idp.app]) {
      const css = await request(app).get(STYLESHEET_PATH).expect(200);
      assert.match(css.headers['content-type']!, /^text\/css/);
      assert.match(css.text, /prefers-color-scheme:dark/);
      const js = await request(app).get(SCRIPT_PATH).expect(200);
      assert.match(js.headers['content-type']!, /^text\/javascript/);
      assert.equal(js.headers['x-content-type-options'], 'nosniff');
      assert.match(js.text, /function formatTime/);
    }
  });

  it('every page links them and carries no inline style or script; the CSP allows only the files', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const developers = await teamId(h, 'developers');
    const pages = ['/', '/app/settings/tokens', '/app/organizations', '/app/timeline', '/app/admin/users', '/app/admin/timeline', '/app/admin/saml/attempts', '/app/example-org/settings/teams', `/app/example-org/settings/teams/${developers}`, '/app/example-org/settings/authentication-token', '/app/no-such-org/settings/teams'];
    for (const path of pages) {
      const res = await carol.browser.gw.get(path);
      assert.ok(res.status === 200 || res.status === 404, `${path}: HTTP ${res.status}`);
      const csp = res.headers['content-security-policy']!;
      assert.match(csp, /style-src 'self'/, path);
      assert.match(csp, /script-src 'self'$/, path);
      assert.ok(!csp.includes('unsafe-inline'), `${path}: ${csp}`);
      assert.ok(res.text.includes(`href="${STYLESHEET_PATH}?v=`) && res.text.includes(`src="${SCRIPT_PATH}?v=`), `${path} links the assets`);
      assert.ok(!/<style|\sstyle=/.test(res.text), `${path} has an inline style`);
      assert.ok(!/<script(?![^>]*\ssrc=)/.test(res.text), `${path} has an inline script`);
    }
    for (const path of ['/directory', '/responses', '/login']) {
      const res = await request(h.idp.app).get(path).expect(200);
      assert.ok(res.text.includes(`href="${STYLESHEET_PATH}?v=`), `IdP ${path} links the stylesheet`);
      assert.ok(!/<style|\sstyle=/.test(res.text), `IdP ${path} has an inline style`);
    }
  });

  it('every time on the pages is local and relative, the ISO instant only in datetime and the tooltip', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await carol.createToken('ci');
    await carol.browser.gw.post('/app/example-org/settings/authentication-token').type('form').send({ _csrf: carol.csrf }).expect(201);
    h.advance('2h');
    for (const path of ['/', '/app/settings/tokens', '/app/admin/users', '/app/timeline', '/app/admin/saml/attempts', '/app/example-org/settings/authentication-token']) {
      const page = (await carol.browser.gw.get(path).expect(200)).text;
      assert.ok(!/\d{4}-\d\d-\d\dT\d\d:\d\d/.test(visibleText(page)), `${path} shows an ISO time: ${/.{60}\d{4}-\d\d-\d\dT\d\d:\d\d.{20}/.exec(visibleText(page))?.[0]}`);
      for (const t of page.match(/<time\b[^>]*>/g) ?? []) assert.match(t, /datetime="[^"]+Z" title="[^"]+Z" data-now="\d+"/, `${path}: ${t}`);
    }
    const account = (await carol.browser.gw.get('/').expect(200)).text;
    assert.match(visibleText(account), /Last SAML login (today|yesterday) \d\d:\d\d, 2 h ago/);
    assert.match(visibleText(account), /Web session ends (today|tomorrow) \d\d:\d\d, in 6 h unless used again/);
    assert.match(visibleText(account), /yours stop \w{3} \d+ \w{3} \d\d:\d\d, in 13 d 22 h at the latest/);
  });
});

describe('gateway pages: "will this token work?"', () => {
  it('a user token: works until the SSO session ends; then 401 since, with the API\'s reason, moved by the dev clock button', async () => {
    // The SSO API token timeout (1 h here) comes before the web session's end (the IdP's 8 h SessionNotOnOrAfter).
    const h = await createHarness({ 'gateway.apiTokenTimeout': '1h' });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken('ci');
    assert.match(await tokenStatusText(alice), /^works until 1 h after your last SAML login \((today|tomorrow) \d\d:\d\d, in 1 h\)$/);
    await callWithToken(h, secret).expect(200);

    const moved = await advanceWithButton(alice, '1h').expect(303);
    assert.equal(moved.headers.location, '/app/settings/tokens');
    const api = await callWithToken(h, secret).expect(401);
    const status = await tokenStatusText(alice);
    assert.match(status, /^401 since today \d\d:\d\d, now: log in again The API answers: /);
    assert.ok(status.endsWith(`“${api.body.errors[0].detail}”`) || status.includes(api.body.errors[0].detail), `the page gives the API's reason: ${status}`);
  });

  it("the default rules: works until the SSO session ends (the IdP's 8 h SessionNotOnOrAfter, not the 14 d token timeout)", async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    await alice.createToken('ci');
    assert.match(await tokenStatusText(alice), /^works until your SSO session ends \(\w+ \d\d:\d\d, in 8 h\)$/);
  });

  it('a service account: works, no expiry', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    await bob.createToken('automation');
    assert.equal(await tokenStatusText(bob), 'works: service account, no expiry');
  });

  it('an empty list says what a token is for and how to create one', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const page = visibleText((await alice.browser.gw.get('/app/settings/tokens').expect(200)).text);
    assert.match(page, /You have no API tokens yet\. A token lets Terraform, scripts and CI call the \/api\/v2 API as you/);
    assert.match(page, /Create one above .* or run terraform login/);
    assert.match(page, /Your tokens work while your SSO session is live and for at most 14 d after your last SAML login/);
  });

  it('team and organization tokens show the same status on their pages', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const developers = await teamId(h, 'developers');
    await carol.browser.gw.post(`/app/example-org/settings/teams/${developers}/authentication-token`).type('form').send({ _csrf: carol.csrf }).expect(201);
    await carol.browser.gw.post('/app/example-org/settings/authentication-token').type('form').send({ _csrf: carol.csrf }).expect(201);
    const team = visibleText((await carol.browser.gw.get(`/app/example-org/settings/teams/${developers}`).expect(200)).text);
    assert.match(team, /Will it work\? works: team token, not tied to anyone's SSO session, no expiry/);
    const org = visibleText((await carol.browser.gw.get('/app/example-org/settings/authentication-token').expect(200)).text);
    assert.match(org, /Will it work\? works: organization token, not tied to anyone's SSO session, no expiry/);
  });
});

describe('gateway pages: the dev clock in the browser', () => {
  it('every signed-in page has +1 h, +1 d, +14 d; they move the clock the API moves, coming back to the page', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    for (const path of ['/', '/app/settings/tokens', '/app/organizations', '/app/timeline']) {
      const page = (await alice.browser.gw.get(path).expect(200)).text;
      const form = /<form method="post" action="\/app\/_sim\/clock"[\s\S]*?<\/form>/.exec(page)?.[0];
      assert.ok(form, `${path} has the dev clock buttons`);
      assert.ok(form.includes(`name="_csrf" value="${alice.csrf}"`) && form.includes(`name="return_to" value="${path}"`), form);
      assert.deepEqual([...form.matchAll(/value="(\w+)">(\+[^<]+)<\/button>/g)].map((m) => [m[1], m[2]]), [['1h', '+1 h'], ['1d', '+1 d'], ['14d', '+14 d']]);
      assert.match(visibleText(page), /Dev clock: \w{3} \d+ \w{3} \d{4} \d\d:\d\d/);
    }
    const before = h.clock.now();
    const res = await advanceWithButton(alice, '1h', '/app/timeline').expect(303);
    assert.equal(res.headers.location, '/app/timeline');
    assert.equal(h.clock.now(), before + 3_600_000);
    const api = await request(h.gateway.app).get('/api/v2/_sim/clock').expect(200);
    assert.equal(api.body.now, new Date(before + 3_600_000).toISOString());
    assert.match((await alice.browser.gw.get('/app/timeline').expect(200)).text, /Dev clock moved forward 1h\./);
  });

  it('the countdown to the web session end moves with the clock', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const countdown = async () => visibleText(/<span id="session-countdown">[\s\S]*?<\/span>/.exec((await alice.browser.gw.get('/').expect(200)).text)![0]).trim();
    assert.match(await countdown(), /^Web session ends (today|tomorrow) \d\d:\d\d, in 8 h$/);
    await advanceWithButton(alice, '1h').expect(303);
    assert.match(await countdown(), /^Web session ends (today|tomorrow) \d\d:\d\d, in 7 h$/);
  });

  it('without the CSRF token or with a bad step nothing moves, and the page says why and what next', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const before = h.clock.now();
    await alice.browser.gw.post('/app/_sim/clock').type('form').send({ advance: '1h' }).expect(403);
    const bad = await alice.browser.gw.post('/app/_sim/clock').type('form').send({ _csrf: alice.csrf, advance: 'later', return_to: '/app/settings/tokens' }).expect(422);
    assert.match(visibleText(bad.text), /The dev clock did not move: advance: must be a duration such as 90s, 15m, 3h or 14d\. Back/);
    assert.match(bad.text, /<a href="\/app\/settings\/tokens">Back<\/a>/);
    const away = await advanceWithButton(alice, '1h', 'https://evil.example/').expect(303);
    assert.equal(away.headers.location, '/', 'the return path stays on the gateway');
    assert.equal(h.clock.now(), before + 3_600_000);
  });

  it('signed out, the dev clock is shown without buttons and says how to move it', async () => {
    const h = await createHarness();
    const page = (await h.browser().gw.get('/').expect(200)).text;
    assert.match(visibleText(page), /Dev clock: .* Sign in to move it from these pages, or POST \/api\/v2\/_sim\/clock/);
    assert.ok(!page.includes('action="/app/_sim/clock"'));
  });

  it('with the system clock there is no dev clock: no buttons, the POST is a 404 page that says why', async () => {
    const config = resolveConfig({}, { clock: 'system', data: ':memory:', 'idp.port': await freePort(), 'gateway.port': await freePort() });
    const services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger });
    try {
      const browser = new SamlBrowser();
      const home = await loginThroughGateway(browser, config.gateway.baseUrl, 'alice', 'alice');
      assert.match(home.body, /<html lang="en" data-clock="system">/);
      assert.ok(!home.body.includes('Dev clock') && !home.body.includes('/app/_sim/clock'));
      assert.match(visibleText(home.body), /Web session ends /, 'the countdown is there with any clock');
      const res = await browser.request('POST', `${config.gateway.baseUrl}/app/_sim/clock`, { form: { _csrf: metaCsrfToken(home.body)!, advance: '1h' } });
      assert.equal(res.status, 404);
      assert.match(visibleText(res.body), /The dev clock exists only with --clock manual/);
    } finally {
      await services.close();
    }
  });
});

describe('gateway pages: the timeline', () => {
  it('/app/timeline: the logins with the flag read at each, the session end and the token refusals with their reason', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    h.advance('21m');
    const refused = await callWithToken(h, secret).expect(401);
    await callWithToken(h, secret).expect(401);
    await h.login('alice', alice.browser);
    const bob = await h.login('bob');
    const bobs = await bob.createToken();
    await bob.browser.gw.post('/logout').type('form').send({ _csrf: bob.csrf });
    await callWithToken(h, bobs.secret).expect(200);

    const page = (await alice.browser.gw.get('/app/timeline').expect(200)).text;
    const items = [...page.matchAll(/<li class="([\w-]+)">([\s\S]*?)<\/li>/g)].map((m) => [m[1], visibleText(m[2]!).trim()] as const);
    assert.deepEqual(items.map(([kind]) => kind), ['login', 'refused', 'session-ended', 'login'], JSON.stringify(items, null, 1));
    assert.match(items[0]![1], /SAML login; flag synced: not flagged as a service account/);
    assert.match(items[1]![1], /Token at-\w+ refused \(401\), 2 times, last .*: web-session-expired/);
    assert.ok(items[1]![1].includes(refused.body.errors[0].detail), 'the refusal carries the API\'s detail');
    assert.match(items[2]![1], /^today \d\d:\d\d, 1 min ago Web session ended: idle timeout/, 'the end is dated when S1 ended it (20 min after the last page), not when it was noticed');
    assert.ok(!page.includes('bob'), "another user's story is not on alice's timeline");
  });

  it('the admin timeline lists every user; others get the 404 every admin page gives', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const carol = await h.login('carol');
    await alice.browser.gw.get('/app/admin/timeline').expect(404);
    const page = visibleText((await carol.browser.gw.get('/app/admin/timeline').expect(200)).text);
    assert.match(page, /alice: SAML login/);
    assert.match(page, /carol: SAML login/);
  });

  it('a client retrying a refused token does not flush the story: one entry, counted', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    h.advance('21m');
    for (let i = 0; i < 250; i++) await callWithToken(h, secret).expect(401);
    const events = h.gateway.context.timeline.latest();
    assert.equal(events.filter((e) => e.kind === 'token-refused').length, 1);
    assert.equal(events.find((e) => e.kind === 'token-refused')!.kind === 'token-refused' && (events.find((e) => e.kind === 'token-refused') as { count: number }).count, 250);
  });
});
