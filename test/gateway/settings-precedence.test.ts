/**
 * One effective-settings source: the configuration's values with the admin's saved SAML settings
 * on top, applied the same way at start-up and on change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createHarness } from '../support/harness.ts';
import { api } from '../support/tfe-api.ts';

const PATH = '/api/v2/admin/saml-settings';
const patch = (attributes: Record<string, unknown>) => ({ data: { type: 'saml-settings', attributes } });

describe('admin SAML settings survive a restart and mean the same everywhere', () => {
  it('regression: an SLO URL saved through the admin SAML settings still applies after a restart', async () => {
    const store = createMemoryStore();
    const first = await createHarness({}, {}, { store });
    const carol = await first.login('carol');
    const custom = 'http://localhost:7000/slo?via=admin';
    await api(first, carol).patch(PATH, patch({ 'slo-endpoint-url': custom })).expect(200);
    const beforeRestart = await carol.browser.gw.post('/logout').type('form').send({ _csrf: carol.csrf }).expect(303);
    assert.ok(beforeRestart.headers.location!.startsWith(`${custom}&`), beforeRestart.headers.location);
    first.gateway.close();

    const second = await createHarness({}, {}, { store });
    const again = await second.login('carol');
    const afterRestart = await again.browser.gw.post('/logout').type('form').send({ _csrf: again.csrf }).expect(303);
    assert.ok(afterRestart.headers.location!.startsWith(`${custom}&`), afterRestart.headers.location);
    assert.equal((await api(second, await second.login('carol')).get(PATH).expect(200)).body.data.attributes['slo-endpoint-url'], custom);
    second.gateway.close();
  });

  it('regression: the debug page says on exactly when attempts are recorded (manual clock default, admin off)', async () => {
    // --clock manual turns SAML debug on by default: the page must say so, and attempts are kept.
    const h = await createHarness();
    const carol = await h.login('carol');
    assert.ok(h.gateway.context.loginAttempts.latest().length > 0, 'attempts are recorded');
    assert.equal((await api(h, carol).get(PATH).expect(200)).body.data.attributes.debug, true, 'the settings report what is in force');
    const onPage = await carol.browser.gw.get('/app/admin/saml/attempts').expect(200);
    assert.doesNotMatch(onPage.text, /debug is off/i);
    // The admin turns it off: nothing more is recorded, and the page says off.
    await api(h, carol).patch(PATH, patch({ debug: false })).expect(200);
    const recorded = h.gateway.context.loginAttempts.latest().length;
    await h.login('alice');
    assert.equal(h.gateway.context.loginAttempts.latest().length, recorded);
    const offPage = await carol.browser.gw.get('/app/admin/saml/attempts').expect(200);
    assert.match(offPage.text, /debug is off/i);
    h.gateway.close();
  });

  it('an admin override of one key leaves the other keys following the configuration', async () => {
    const store = createMemoryStore();
    const first = await createHarness({ 'gateway.apiTokenTimeout': '2h' }, {}, { store });
    await api(first, await first.login('carol')).patch(PATH, patch({ debug: true })).expect(200);
    first.gateway.close();
    const second = await createHarness({ 'gateway.apiTokenTimeout': '3h' }, {}, { store });
    const s = (await api(second, await second.login('carol')).get(PATH).expect(200)).body.data.attributes;
    assert.equal(s.debug, true);
    assert.equal(s['sso-api-token-session-timeout'], 3 * 3600, 'the restarted configuration decides what the admin never set');
    second.gateway.close();
  });
});
