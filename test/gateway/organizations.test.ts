/**
 * The organizations API as TFE serves it: CRUD, the embedded organization, session-timeout and
 * session-remember as rule S1's limits, entitlements, and the JSON:API conventions clients rely on
 * (one serializer, pagination with true totals, 422 with source.pointer, both content types).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createHarness } from '../support/harness.ts';
import { api, NOT_FOUND } from '../support/tfe-api.ts';

const create = (name: string, extra: Record<string, unknown> = {}) => ({ data: { type: 'organizations', attributes: { name, email: `${name}@example.com`, ...extra } } });
const Z_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('organizations', () => {
  it('the embedded example-org exists at start with owners and developers, its members synced from MemberOf', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '30m', 'gateway.sessionExpiration': '8h' });
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const org = (await api(h, carol).get('/api/v2/organizations/example-org').expect(200)).body.data;
    assert.equal(org.type, 'organizations');
    assert.equal(org.attributes['session-timeout'], 30, 'the CLI idle timeout is the embedded organization\'s initial session-timeout');
    assert.equal(org.attributes['session-remember'], 480);
    assert.equal(org.attributes['owners-team-saml-role-id'], 'owners');
    const teams = (await api(h, carol).get('/api/v2/organizations/example-org/teams?include=users').expect(200)).body;
    const byName = Object.fromEntries(teams.data.map((t: { attributes: { name: string } }) => [t.attributes.name, t]));
    assert.deepEqual(Object.keys(byName).sort(), ['developers', 'owners']);
    assert.deepEqual(byName.owners.relationships.users.data.map((u: { id: string }) => u.id), [carol.userId]);
    assert.deepEqual(byName.developers.relationships.users.data.map((u: { id: string }) => u.id), [alice.userId]);
    assert.ok(teams.included.some((u: { id: string; type: string }) => u.type === 'users' && u.id === alice.userId));
  });

  it('the embedded organization is created idempotently: a second gateway on the same store keeps it', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).patch('/api/v2/organizations/example-org', { data: { type: 'organizations', attributes: { email: 'changed@example.com' } } }).expect(200);
    const { createGateway } = await import('../../src/gateway/app.ts');
    const again = createGateway({ ...h.gateway.context, idp: h.gateway.context.idp, sp: h.gateway.context.sp });
    await request(again.app).get('/api/v2/ping').expect(204);
    const { items } = await h.store.organizations.list({ number: 1, size: 10 });
    assert.equal(items.filter((o) => o.name === 'example-org').length, 1);
    assert.equal(items.find((o) => o.name === 'example-org')!.email, 'changed@example.com');
    const teams = await h.store.teams.listByOrganization(items[0]!.id, { number: 1, size: 10 });
    assert.deepEqual(teams.items.map((t) => t.name), ['developers', 'owners']);
  });

  it('create, show, list and update answer with one serializer (clients compare them)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const created = (await api(h, carol).post('/api/v2/organizations', create('acme')).expect(201)).body.data;
    const shown = (await api(h, carol).get('/api/v2/organizations/acme').expect(200)).body.data;
    assert.deepEqual(shown, created);
    const listed = (await api(h, carol).get('/api/v2/organizations').expect(200)).body.data.find((o: { id: string }) => o.id === 'acme');
    assert.deepEqual(listed, created);
    assert.equal(created.id, 'acme');
    assert.match(created.attributes['created-at'], Z_TIME);
    assert.match(created.attributes['external-id'], /^org-[A-Za-z0-9]{16}$/);
    assert.equal(created.attributes['session-timeout'], 20160);
    assert.equal(created.attributes['session-remember'], 20160);
    assert.equal(created.attributes['saml-enabled'], true);
    assert.equal(created.attributes.permissions['can-destroy'], true, 'the creator is an owner');
    assert.equal(created.links.self, '/api/v2/organizations/acme');
  });

  it('update renames and sets session-timeout/session-remember; the old name is 404', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).post('/api/v2/organizations', create('acme')).expect(201);
    const updated = (await api(h, carol).patch('/api/v2/organizations/acme', { data: { type: 'organizations', attributes: { name: 'acme2', 'session-timeout': 60, 'session-remember': 600 } } }).expect(200)).body.data;
    assert.equal(updated.id, 'acme2');
    assert.equal(updated.attributes['session-timeout'], 60);
    await api(h, carol).get('/api/v2/organizations/acme').expect(404);
    assert.deepEqual((await api(h, carol).get('/api/v2/organizations/acme2').expect(200)).body.data, updated);
  });

  it('delete answers 204, then the organization, its teams and tokens are gone', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).post('/api/v2/organizations', create('gone')).expect(201);
    const token = (await api(h, carol).post('/api/v2/organizations/gone/authentication-token').expect(201)).body.data.attributes.token;
    await api(h, carol).delete('/api/v2/organizations/gone').expect(204);
    await api(h, carol).get('/api/v2/organizations/gone').expect(404);
    await api(h, token).get('/api/v2/account/details').expect(401);
  });

  it('every invalid field is a 422 with its source.pointer', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const res = await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name: '! / nope', email: 'not-an-email', 'session-timeout': 'soon', 'collaborator-auth-policy': 'sms' } } }).expect(422);
    const pointers = res.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer).sort();
    assert.deepEqual(pointers, ['/data/attributes/collaborator-auth-policy', '/data/attributes/email', '/data/attributes/name', '/data/attributes/session-timeout']);
    for (const e of res.body.errors) assert.equal(e.status, '422');
    const missing = await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name: 'x' } } }).expect(422);
    assert.equal(missing.body.errors[0].source.pointer, '/data/attributes/email');
    const taken = await api(h, carol).post('/api/v2/organizations', create('example-org')).expect(422);
    assert.equal(taken.body.errors[0].source.pointer, '/data/attributes/name');
    assert.match(taken.body.errors[0].detail, /already exists/);
  });

  it('bodies are accepted as application/vnd.api+json and application/json; other types are 415', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await carol.browser.gw.post('/api/v2/organizations').set('X-CSRF-Token', carol.csrf).set('Content-Type', 'application/json').send(create('json-org')).expect(201);
    await carol.browser.gw.post('/api/v2/organizations').set('X-CSRF-Token', carol.csrf).set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(create('api-org'))).expect(201);
    await carol.browser.gw.post('/api/v2/organizations').set('X-CSRF-Token', carol.csrf).set('Content-Type', 'text/plain').send('name=x').expect(415);
  });

  it('pagination: meta.pagination with page[number]/page[size]; a page past the end is empty with the true totals', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    for (const n of ['a1', 'a2', 'a3']) await api(h, carol).post('/api/v2/organizations', create(n)).expect(201);
    const first = (await api(h, carol).get('/api/v2/organizations?page[number]=1&page[size]=2').expect(200)).body;
    assert.deepEqual(first.data.map((o: { id: string }) => o.id), ['a1', 'a2']);
    assert.deepEqual(first.meta.pagination, { 'current-page': 1, 'page-size': 2, 'prev-page': null, 'next-page': 2, 'total-pages': 2, 'total-count': 4 });
    assert.match(first.links.next, /page%5Bnumber%5D=2/);
    const past = (await api(h, carol).get('/api/v2/organizations?page[number]=999&page[size]=100').expect(200)).body;
    assert.deepEqual(past.data, []);
    assert.equal(past.meta.pagination['current-page'], 999);
    assert.equal(past.meta.pagination['total-count'], 4);
    const bad = await api(h, carol).get('/api/v2/organizations?page[size]=1000').expect(422);
    assert.deepEqual(bad.body.errors[0].source, { parameter: 'page[size]' });
  });

  it('only site admins create organizations; members see only their organizations', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    await api(h, alice).post('/api/v2/organizations', create('mine')).expect(404);
    await api(h, carol).post('/api/v2/organizations', create('private')).expect(201);
    const listed = (await api(h, alice).get('/api/v2/organizations').expect(200)).body.data.map((o: { id: string }) => o.id);
    assert.deepEqual(listed, ['example-org']);
    assert.deepEqual((await api(h, alice).get('/api/v2/organizations/private').expect(404)).body, NOT_FOUND);
  });

  it('a member may not change session limits (can-update-authentication)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const orgToken = (await api(h, carol).post('/api/v2/organizations/example-org/authentication-token').expect(201)).body.data.attributes.token;
    await api(h, orgToken).patch('/api/v2/organizations/example-org', { data: { type: 'organizations', attributes: { 'session-timeout': 5 } } }).expect(404);
    await api(h, orgToken).patch('/api/v2/organizations/example-org', { data: { type: 'organizations', attributes: { email: 'ops@example.com' } } }).expect(200);
  });

  it('the entitlement set: every feature on; unknown organization 404', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const set = (await api(h, carol).get('/api/v2/organizations/example-org/entitlement-set').expect(200)).body.data;
    assert.equal(set.type, 'entitlement-sets');
    for (const f of ['agents', 'audit-logging', 'cost-estimation', 'operations', 'private-module-registry', 'sso', 'sentinel', 'state-storage', 'teams', 'vcs-integrations']) assert.equal(set.attributes[f], true, f);
    await api(h, carol).get('/api/v2/organizations/nope/entitlement-set').expect(404);
  });
});

describe('S1 limits from the organizations (session-timeout, session-remember)', () => {
  it("a member's web session ends at the organization's session-timeout", async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '8h' });
    const carol = await h.login('carol');
    await api(h, carol).patch('/api/v2/organizations/example-org', { data: { type: 'organizations', attributes: { 'session-timeout': 30 } } }).expect(200);
    // The limits are fixed at login: alice logs in after the change.
    const alice = await h.login('alice');
    const token = await alice.createToken();
    h.advance('29m');
    await api(h, token.secret).get('/api/v2/account/details').expect(200);
    h.advance('2m');
    await api(h, token.secret).get('/api/v2/account/details').expect(401);
  });

  it('a user in several organizations gets the strictest of their limits', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '8h' });
    const carol = await h.login('carol');
    await api(h, carol).post('/api/v2/organizations', create('strict', { 'session-timeout': 10, 'session-remember': 100000 })).expect(201);
    await api(h, carol).patch('/api/v2/organizations/example-org', { data: { type: 'organizations', attributes: { 'session-timeout': 60, 'session-remember': 30 } } }).expect(200);
    const again = await h.login('carol', carol.browser);
    const token = await again.createToken();
    h.advance('9m');
    await again.browser.gw.get('/').expect(200);
    h.advance('9m');
    // Idle 9 min < 10: alive; but 18 min since login is still < 30 (remember from example-org).
    await api(h, token.secret).get('/api/v2/account/details').expect(200);
    await again.browser.gw.get('/').expect(200);
    h.advance('9m');
    await again.browser.gw.get('/').expect(200);
    h.advance('4m');
    // 31 min since login: example-org's session-remember (30) ended it although each idle gap was < 10.
    await api(h, token.secret).get('/api/v2/account/details').expect(401);
  });
});
