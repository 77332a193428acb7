/**
 * Regression (issue 7, "Also"): the web revoke form said "revoked" for another user's token while
 * revoking nothing, telling the caller the token id exists (T7 forbids that leak). It must answer
 * exactly as for a token that does not exist.
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
