/** The dev-only clock API (DESIGN 2b). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { SystemClock } from '../../src/clock.ts';
import { DEV_CERTS_DIR, resolveConfig } from '../../src/config.ts';
import { createGateway } from '../../src/gateway/app.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { builtInIdpTrust } from '../../src/server.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createHarness } from '../support/harness.ts';

describe('/api/v2/_sim/clock', () => {
  it('GET shows the manual clock, which starts at the real time', async () => {
    const before = Date.now();
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/api/v2/_sim/clock').expect(200);
    assert.deepEqual(Object.keys(res.body), ['now']);
    assert.ok(Date.parse(res.body.now) >= before - 1000 && Date.parse(res.body.now) <= Date.now() + 1000);
  });

  it('POST advance and set move the clock both halves share', async () => {
    const h = await createHarness();
    const start = h.clock.now();
    const res = await request(h.gateway.app).post('/api/v2/_sim/clock').send({ advance: '15m' }).expect(200);
    assert.equal(res.body.now, new Date(start + 900_000).toISOString());
    const set = await request(h.gateway.app).post('/api/v2/_sim/clock').set('Content-Type', 'application/vnd.api+json').send(JSON.stringify({ set: '2030-01-01T00:00:00Z' })).expect(200);
    assert.equal(set.body.now, '2030-01-01T00:00:00.000Z');
    assert.equal(h.clock.now(), Date.parse('2030-01-01T00:00:00Z'));
  });

  it('bad bodies are 422 with a hint', async () => {
    const h = await createHarness();
    for (const body of [{ advance: 'later' }, { set: 'tomorrow' }, {}, { advance: '1m', set: '2030-01-01T00:00:00Z' }]) {
      const res = await request(h.gateway.app).post('/api/v2/_sim/clock').send(body).expect(422);
      assert.ok(res.body.errors[0].detail);
    }
  });

  it('refuses to move past the last representable date (422), and the clock stays put', async () => {
    const h = await createHarness();
    const before = h.clock.now();
    const res = await request(h.gateway.app).post('/api/v2/_sim/clock').send({ advance: '99999999999d' }).expect(422);
    assert.match(res.body.errors[0].detail, /last date JavaScript can represent/);
    assert.equal(res.body.errors[0].source.pointer, '/advance');
    assert.equal(h.clock.now(), before);
  });

  it('does not exist with the system clock (404)', async () => {
    const config = resolveConfig();
    const gw = createGateway({
      config, clock: new SystemClock(), ids: randomIds, store: createMemoryStore(), logger: silentLogger, idp: await builtInIdpTrust(config),
      sp: loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')),
    });
    const res = await request(gw.app).get('/api/v2/_sim/clock').expect(404);
    assert.deepEqual(res.body, { errors: [{ status: '404', title: 'not found' }] });
    await request(gw.app).post('/api/v2/_sim/clock').send({ advance: '1m' }).expect(404);
  });
});
