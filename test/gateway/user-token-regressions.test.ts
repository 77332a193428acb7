/**
 * Regressions from issue 7's "Also" list for user tokens.
 * 1. The web revoke form said "revoked" for another user's token while
 * revoking nothing, telling the caller the token id exists (T7 forbids that leak). It must answer
 * exactly as for a token that does not exist.
 * 2. Token lists were unpaginated: one user with 20,001 tokens got one 5.4 MB response.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callWithToken, createHarness } from '../support/harness.ts';

describe('web token revoke form', () => {
  it("another user's token is answered like a missing one, and keeps working", async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const bob = await h.login('bob');
    const aliceToken = await alice.createToken();
    const revoke = async (id: string) => {
      await bob.browser.gw.post(`/app/settings/tokens/${id}/delete`).type('form').send({ _csrf: bob.csrf }).expect(303);
      return (await bob.browser.gw.get('/app/settings/tokens').expect(200)).text;
    };
    const foreign = await revoke(aliceToken.id);
    const missing = await revoke('at-doesnotexist0000');
    assert.match(foreign, /No such token\./);
    assert.ok(!foreign.includes('revoked'));
    assert.equal(foreign.replace(/csrf-token" content="[^"]+"/, ''), missing.replace(/csrf-token" content="[^"]+"/, ''));
    await callWithToken(h, aliceToken.secret).expect(200);
  });

  it('revoking one\'s own token still says so', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const t = await bob.createToken();
    await bob.browser.gw.post(`/app/settings/tokens/${t.id}/delete`).type('form').send({ _csrf: bob.csrf }).expect(303);
    assert.match((await bob.browser.gw.get('/app/settings/tokens').expect(200)).text, new RegExp(`Token ${t.id} revoked`));
    await callWithToken(h, t.secret).expect(401);
  });
});

describe('token lists are paginated (a user with 20,001 tokens once got one 5.4 MB response)', () => {
  it('the API lists 20 by default with meta.pagination; the page lists 50 with links', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const ids = [];
    for (let i = 0; i < 60; i++) ids.push((await bob.createToken(`t${i}`)).id);
    const first = (await bob.browser.gw.get(`/api/v2/users/${bob.userId}/authentication-tokens`).expect(200)).body;
    assert.equal(first.data.length, 20);
    assert.equal(first.meta.pagination['total-count'], 60);
    const last = (await bob.browser.gw.get(`/api/v2/users/${bob.userId}/authentication-tokens?page[number]=3&page[size]=25`).expect(200)).body;
    assert.equal(last.data.length, 10);
    const page = await bob.browser.gw.get('/app/settings/tokens').expect(200);
    assert.equal((page.text.match(/\/delete"/g) ?? []).length, 50);
    assert.match(page.text, /Page 1 of 2 \(60 tokens\)/);
    const second = await bob.browser.gw.get('/app/settings/tokens?page=2').expect(200);
    assert.equal((second.text.match(/\/delete"/g) ?? []).length, 10);
  });
});
