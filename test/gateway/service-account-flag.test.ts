/**
 * Rules F1-F3: what flags a service account, that the flag is read only at login (in both
 * directions), and that nothing but the IdP can set it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { callWithToken, createHarness, type Harness } from '../support/harness.ts';

async function flagAfterLogin(h: Harness, username: string): Promise<boolean> {
  const { browser } = await h.login(username);
  const me = await browser.gw.get('/api/v2/account/details').expect(200);
  return me.body.data.attributes['is-service-account'];
}

describe('F1: IsServiceAccount, NameFormat basic, value true', () => {
  it('bob (IsServiceAccount=true, basic) is flagged; alice (no attribute) is not', async () => {
    const h = await createHarness();
    assert.equal(await flagAfterLogin(h, 'bob'), true);
    assert.equal(await flagAfterLogin(h, 'alice'), false);
  });

  it('True (any letter case) counts, as TFE documents', async () => {
    const h = await createHarness();
    await h.patchIdpUser('bob', { faults: ['sa-value-capitalized'] });
    assert.equal(await flagAfterLogin(h, 'bob'), true);
  });

  for (const fault of ['sa-name-lowercase', 'sa-nameformat-uri', 'sa-nameformat-unspecified', 'sa-nameformat-absent', 'sa-value-one']) {
    it(`a near-miss does not flag: ${fault}`, async () => {
      const h = await createHarness();
      await h.patchIdpUser('bob', { faults: [fault] });
      assert.equal(await flagAfterLogin(h, 'bob'), false);
    });
  }

  it('--relax-nameformat also accepts an absent NameFormat (but still not uri)', async () => {
    const h = await createHarness({ 'gateway.relaxNameFormat': true });
    await h.patchIdpUser('bob', { faults: ['sa-nameformat-absent'] });
    assert.equal(await flagAfterLogin(h, 'bob'), true);
    await h.patchIdpUser('bob', { faults: ['sa-nameformat-uri'] });
    assert.equal(await flagAfterLogin(h, 'bob'), false);
  });

  it('an empty IsServiceAccount value logs in unflagged, as at TFE, and the account page says why (ATTR7)', async () => {
    const h = await createHarness();
    await h.patchIdpUser('bob', { faults: ['sa-value-empty'] });
    const bob = await h.login('bob');
    const account = await bob.browser.gw.get('/').expect(200);
    assert.match(account.text, /Service account<\/th><td>no/);
    assert.match(account.text, /IsServiceAccount is an empty value; only &#34;true&#34; flags a service account/);
  });

  it('with --strict-attributes an empty IsServiceAccount value is refused (E_ATTR)', async () => {
    const h = await createHarness({ 'gateway.strictAttributes': true });
    await h.patchIdpUser('bob', { faults: ['sa-value-empty'] });
    await assert.rejects(h.login('bob'), /ACS refused the login of bob \(HTTP 403\)/);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_ATTR');
  });

  it('a near-miss name shows on the account page and the admin users page', async () => {
    const h = await createHarness();
    await h.patchIdpUser('bob', { faults: ['sa-name-lowercase'] });
    const bob = await h.login('bob');
    const account = await bob.browser.gw.get('/').expect(200);
    assert.match(account.text, /the IdP sent &#96;isServiceAccount&#96;: TFE ignores it/);
    assert.match(account.text, /rename the attribute to IsServiceAccount/);
    const carol = await h.login('carol');
    const admin = await carol.browser.gw.get('/app/admin/users').expect(200);
    assert.match(admin.text, /the IdP sent &#96;isServiceAccount&#96;: TFE ignores it/);
  });
});

describe('F2: the flag is synced only at login', () => {
  it('removing the flag at the IdP keeps the token alive until the next login', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const bob = await h.login('bob');
    const token = await bob.createToken();
    await h.patchIdpUser('bob', { attributes: { IsServiceAccount: false } });
    h.advance('3h');
    const still = await callWithToken(h, token.secret).expect(200);
    assert.equal(still.body.data.attributes['is-service-account'], true);
    await h.login('bob');
    const after = await callWithToken(h, token.secret).expect(200);
    assert.equal(after.body.data.attributes['is-service-account'], false);
    h.advance('21m');
    await callWithToken(h, token.secret).expect(401);
  });

  it('adding the flag at the IdP does not help until the next login', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await h.patchIdpUser('alice', { attributes: { IsServiceAccount: 'true' } });
    h.advance('21m');
    await callWithToken(h, token.secret).expect(401);
    await h.login('alice');
    h.advance('30d');
    const res = await callWithToken(h, token.secret).expect(200);
    assert.equal(res.body.data.attributes['is-service-account'], true);
  });

  it('the account page and API show when the flag was last synced', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const loginAt = new Date(h.clock.now()).toISOString();
    h.advance('2h');
    const page = await bob.browser.gw.get('/').expect(200);
    assert.ok(page.text.includes(`Flag last synced at login on <time datetime="${loginAt}" title="${loginAt}" data-now="${h.clock.now()}">`), 'the sync time, with the instant in the tooltip');
    assert.match(page.text, /Flag last synced at login on <time [^>]+>[^<]+, 2 h ago<\/time>/);
  });
});

describe('F3: only the IdP sets the flag', () => {
  it('no gateway endpoint changes is-service-account, for the user or a site admin', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const carol = await h.login('carol');
    const body = { data: { type: 'users', attributes: { 'is-service-account': true } } };
    for (const who of [alice, carol]) {
      for (const method of ['patch', 'put', 'post'] as const) {
        const res = await who.browser.gw[method](`/api/v2/users/${alice.userId}`).set('X-CSRF-Token', who.csrf).send(body);
        assert.equal(res.status, 404, `${method.toUpperCase()} /api/v2/users/:id`);
      }
      await who.browser.gw.patch(`/api/v2/admin/users/${alice.userId}`).set('X-CSRF-Token', who.csrf).send(body).expect(404);
    }
    const me = await alice.browser.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.body.data.attributes['is-service-account'], false);
    await request(h.gateway.app).get('/api/v2/_sim/flag').expect(401);
  });
});
