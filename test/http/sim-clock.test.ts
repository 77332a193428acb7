/**
 * The dev clock on both origins (GET/POST /api/v2/_sim/clock on the IdP as on the gateway), and
 * the regression "the dev clock could be set backwards, which revived an expired token and let a
 * replayed response in": going back is now a 422 and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { ClockBackwardsError, ManualClock, SystemClock } from '../../src/clock.ts';
import { resolveConfig } from '../../src/config.ts';
import { createIdp } from '../../src/idp/app.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { callWithToken, createHarness } from '../support/harness.ts';

describe('dev clock', () => {
  it('the IdP answers the clock API on its own origin, and under one process both halves share the clock', async () => {
    const h = await createHarness();
    const start = h.clock.now();
    const moved = await request(h.idp.app).post('/api/v2/_sim/clock').send({ advance: '1h' }).expect(200);
    assert.equal(moved.body.now, new Date(start + 3_600_000).toISOString());
    const gw = await request(h.gateway.app).get('/api/v2/_sim/clock').expect(200);
    assert.equal(gw.body.now, moved.body.now);
    const bad = await request(h.idp.app).post('/api/v2/_sim/clock').send({ advance: 'soon' }).expect(422);
    assert.match(bad.body.errors[0].detail, /duration/);
  });

  it('regression: an expired token was revived and a replayed response let in by setting the clock back; now refused with 422', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    // A response to replay later: the IdP form's SAMLResponse for alice.
    const b = h.browser();
    const start = await b.gw.get('/session?force=1').expect(302);
    const sso = new URL(start.headers.location!);
    const form = await b.idp.get(sso.pathname + sso.search);
    const posted = await b.idp.post('/login').type('form').send({ ...hiddenFields(form.text), username: 'alice', password: 'alice' });
    const saml = parseAutoPostForm(posted.text)!;
    await b.gw.post('/users/saml/auth').type('form').send(saml.fields).expect(303);
    const before = new Date(h.clock.now()).toISOString();
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await request(h.gateway.app).post('/api/v2/_sim/clock').send({ advance: '1h' }).expect(200);
    await callWithToken(h, token.secret).expect(401);

    for (const app of [h.gateway.app, h.idp.app]) {
      const back = await request(app).post('/api/v2/_sim/clock').send({ set: before }).expect(422);
      assert.match(back.body.errors[0].detail, /only moves forward/);
      assert.equal(back.body.errors[0].source.pointer, '/set');
    }
    await callWithToken(h, token.secret).expect(401);
    // The replay cache forgot the response after its NotOnOrAfter; with the clock unmoved it is still stale.
    const replay = await h.browser().gw.post('/users/saml/auth').type('form').send({ ...saml.fields, _samlgate_relay: '1' });
    assert.equal(replay.status, 403);
    // Setting to "now" or later still works.
    await request(h.gateway.app).post('/api/v2/_sim/clock').send({ set: new Date(h.clock.now()).toISOString() }).expect(200);
  });

  it("with the system clock the IdP's clock API does not exist (404)", async () => {
    const idp = createIdp({ config: resolveConfig(), clock: new SystemClock(), ids: randomIds, logger: silentLogger });
    await request(idp.app).get('/api/v2/_sim/clock').expect(404);
    await request(idp.app).post('/api/v2/_sim/clock').send({ advance: '1m' }).expect(404);
  });

  it('ManualClock.set refuses an earlier instant', () => {
    const c = new ManualClock(1_000_000);
    assert.throws(() => c.set(999_999), ClockBackwardsError);
    assert.equal(c.now(), 1_000_000);
  });
});
