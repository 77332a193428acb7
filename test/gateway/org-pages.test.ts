/** The organization and team pages over HTTP: CSRF on every form, 404 pages, the secret once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callWithToken, createHarness } from '../support/harness.ts';
import { teamId } from '../support/tfe-api.ts';

const SECRET = /[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}/;

describe('organization and team pages', () => {
  it('every form on the pages carries the CSRF token, and a POST without it is refused (403)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const developers = await teamId(h, 'developers');
    for (const path of ['/app/example-org/settings/teams', `/app/example-org/settings/teams/${developers}`, '/app/example-org/settings/authentication-token']) {
      const page = await carol.browser.gw.get(path).expect(200);
      const forms = page.text.match(/<form[\s\S]*?<\/form>/g) ?? [];
      assert.ok(forms.length > 0, path);
      for (const f of forms) assert.ok(f.includes(`name="_csrf" value="${carol.csrf}"`), `${path}: ${f.slice(0, 120)}`);
    }
    for (const path of [`/app/example-org/settings/teams/${developers}/authentication-token`, '/app/example-org/settings/authentication-token', '/app/example-org/settings/teams']) {
      await carol.browser.gw.post(path).type('form').send({ name: 'x' }).expect(403);
      await carol.browser.gw.post(path).type('form').send({ _csrf: 'wrong', name: 'x' }).expect(403);
    }
    assert.equal(await h.store.tokens.getSingular('team', developers), undefined);
  });

  it('the team page generates a token shown once with a copy button, then obfuscated; regenerate warns and kills the old', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const developers = await teamId(h, 'developers');
    const base = `/app/example-org/settings/teams/${developers}`;
    const before = await alice.browser.gw.get(base).expect(200);
    assert.match(before.text, /Team API Token/);
    assert.match(before.text, /This team has no API token/);
    const created = await alice.browser.gw.post(`${base}/authentication-token`).type('form').send({ _csrf: alice.csrf }).expect(201);
    assert.equal(created.headers['cache-control'], 'no-store');
    assert.match(String(created.headers['content-security-policy']), /script-src 'nonce-/);
    const first = SECRET.exec(created.text)![0]!;
    assert.match(created.text, /id="copy-token"/);
    await callWithToken(h, first).expect(200);
    const later = await alice.browser.gw.get(base).expect(200);
    assert.ok(!SECRET.test(later.text), 'the secret is not shown again');
    assert.match(later.text, /hidden: regenerate to get a new secret/);
    assert.match(later.text, /current secret stops working immediately/);
    const again = await alice.browser.gw.post(`${base}/authentication-token`).type('form').send({ _csrf: alice.csrf }).expect(201);
    const second = SECRET.exec(again.text)![0]!;
    await callWithToken(h, first).expect(401);
    await callWithToken(h, second).expect(200);
    await alice.browser.gw.post(`${base}/authentication-token/delete`).type('form').send({ _csrf: alice.csrf }).expect(303);
    await callWithToken(h, second).expect(401);
  });

  it("pages the user may not see are 404 with the reason and the next step; the org token page is owners' only", async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const owners = await teamId(h, 'owners');
    const missing = await alice.browser.gw.get('/app/no-such-org/settings/teams').expect(404);
    assert.match(missing.text, /Ask an owner of the organization/);
    await alice.browser.gw.get('/app/example-org/settings/authentication-token').expect(404);
    await alice.browser.gw.post('/app/example-org/settings/authentication-token').type('form').send({ _csrf: alice.csrf }).expect(404);
    // owners is organization-visible: alice sees the page but no token controls.
    const ownersPage = await alice.browser.gw.get(`/app/example-org/settings/teams/${owners}`).expect(200);
    assert.ok(!ownersPage.text.includes('Create a team token'));
    await alice.browser.gw.post(`/app/example-org/settings/teams/${owners}/authentication-token`).type('form').send({ _csrf: alice.csrf }).expect(404);
    await h.browser().gw.get('/app/example-org/settings/teams').expect(401);
  });

  it('owners create teams and add members from the pages', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await h.login('bob');
    const made = await carol.browser.gw.post('/app/example-org/settings/teams').type('form').send({ _csrf: carol.csrf, name: 'release' }).expect(303);
    const teamPath = made.headers.location!;
    await carol.browser.gw.post(`${teamPath}/members`).type('form').send({ _csrf: carol.csrf, username: 'bob' }).expect(303);
    assert.match((await carol.browser.gw.get(teamPath).expect(200)).text, /bob@example\.com/);
    const list = await carol.browser.gw.get('/app/example-org/settings/teams').expect(200);
    assert.match(list.text, /release/);
  });
});
