/**
 * Regression: "neither half checks the Host header, so a DNS-rebinding page can read and change the
 * IdP directory, register SPs and move the clock". A rebinding page's requests carry the attacker's
 * name in Host; both halves now answer those with 421 and do nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { allowedHostnames, hostnameOf } from '../../src/http/host-check.ts';
import { createHarness } from '../support/harness.ts';

describe('Host header check (DNS rebinding)', () => {
  it('regression: a rebinding page can no longer read or change the IdP directory, register SPs or move the clock', async () => {
    const h = await createHarness();
    const evil = 'rebind.evil.example:7000';
    const list = await request(h.idp.app).get('/api/users').set('Host', evil).expect(421);
    assert.match(list.text, /refused Host "rebind\.evil\.example:7000".*DNS rebinding.*--idp-public-url/s);
    assert.doesNotMatch(list.text, /alice/);
    await request(h.idp.app).patch('/api/users/alice').set('Host', evil).send({ attributes: { IsServiceAccount: true } }).expect(421);
    const alice = await request(h.idp.app).get('/api/users/alice').expect(200);
    assert.notEqual(alice.body.attributes?.IsServiceAccount, true, 'the PATCH did not happen');
    await request(h.idp.app).post('/api/service-providers').set('Host', evil).send({ metadata: '<x/>' }).expect(421);
    const before = h.clock.now();
    await request(h.idp.app).post('/api/v2/_sim/clock').set('Host', evil).send({ advance: '1d' }).expect(421);
    await request(h.gateway.app).post('/api/v2/_sim/clock').set('Host', 'rebind.evil.example:8080').send({ advance: '1d' }).expect(421);
    assert.equal(h.clock.now(), before, 'the clock did not move');
  });

  it('the gateway refuses foreign hosts on pages and the API alike', async () => {
    const h = await createHarness();
    const page = await request(h.gateway.app).get('/').set('Host', 'evil.example').expect(421);
    assert.match(page.text, /samlgate gateway: refused Host "evil\.example".*--gateway-public-url/s);
    await request(h.gateway.app).get('/api/v2/ping').set('Host', 'evil.example').expect(421);
  });

  it('loopback names and the public URL host are accepted on both halves', async () => {
    const h = await createHarness({ 'gateway.baseUrl': 'https://gw.example.test', 'idp.baseUrl': 'https://idp.example.test:8443' });
    for (const host of ['localhost:8080', '127.0.0.1', '[::1]:8080', 'LOCALHOST', 'gw.example.test']) {
      await request(h.gateway.app).get('/api/v2/ping').set('Host', host).expect(204);
    }
    await request(h.gateway.app).get('/api/v2/ping').set('Host', 'idp.example.test').expect(421);
    for (const host of ['localhost:7000', 'idp.example.test:8443']) await request(h.idp.app).get('/metadata').set('Host', host).expect(200);
    await request(h.idp.app).get('/metadata').set('Host', 'gw.example.test').expect(421);
  });

  it('names from allowedHosts and a specific listen address are accepted; 0.0.0.0 is not a name', () => {
    const names = allowedHostnames({ publicUrls: ['http://localhost:8080'], listenHost: '10.1.2.3', extra: ['samlgate.internal'] });
    assert.ok(names.has('10.1.2.3') && names.has('samlgate.internal') && names.has('[::1]'));
    assert.ok(!allowedHostnames({ publicUrls: ['http://localhost:8080'], listenHost: '0.0.0.0' }).has('0.0.0.0'));
    assert.equal(hostnameOf('[::1]:7000'), '[::1]');
    assert.equal(hostnameOf('Example.COM.:80'), 'example.com');
  });
});
