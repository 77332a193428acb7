/**
 * Agent pools and agent tokens: CRUD, names unique per organization, allowed workspaces checked
 * against the organization, a token's secret shown once (no-store) and only its hash kept, and
 * the truth rows for `can-update-agent-pools`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createWorkspace, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';
import { organizationFlag, truthRows } from './resource-principals.ts';

const pools = (w: Seeded) => `/api/v2/organizations/${w.org.name}/agent-pools`;
const poolBody = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'agent-pools', attributes, ...(relationships ? { relationships } : {}) } });
const tokenBody = (description: unknown) => ({ data: { type: 'authentication-tokens', attributes: { description } } });

describe('agent pools', () => {
  it('create, read, list, update, delete; names unique per organization (case-insensitive)', async () => {
    const w = await seedWorkspaceWorld();
    const p = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'linux' })).expect(201)).body.data;
    assert.match(p.id, /^apool-[A-Za-z0-9]{16}$/);
    assert.deepEqual([p.attributes.name, p.attributes['organization-scoped'], p.attributes['agent-count']], ['linux', true, 0]);
    assert.deepEqual(p.relationships.organization.data, { id: w.org.name, type: 'organizations' });
    assert.deepEqual((await w.api('get', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(200)).body.data, p);
    const list = (await w.api('get', pools(w), w.tokens.owners).expect(200)).body;
    assert.deepEqual(list.data.map((d: { id: string }) => d.id), [p.id]);
    const dup = await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'LINUX' })).expect(422);
    assert.deepEqual([dup.body.errors[0].detail, dup.body.errors[0].source.pointer], ['Name has already been taken', '/data/attributes/name']);
    const other = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'windows' })).expect(201)).body.data;
    await w.api('patch', `/api/v2/agent-pools/${other.id}`, w.tokens.owners, poolBody({ name: 'Linux' })).expect(422);
    const renamed = (await w.api('patch', `/api/v2/agent-pools/${p.id}`, w.tokens.owners, poolBody({ name: 'linux-2', 'organization-scoped': false })).expect(200)).body.data;
    assert.deepEqual([renamed.attributes.name, renamed.attributes['organization-scoped']], ['linux-2', false]);
    await w.api('delete', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(204);
    await w.api('get', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(404);
    await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'linux' })).expect(201);
  });

  it('the list searches by name (q) and sorts (sort), as today\'s API does; a bad sort is a 422', async () => {
    const w = await seedWorkspaceWorld();
    for (const name of ['beta', 'alpha-linux', 'gamma-linux']) await w.api('post', pools(w), w.tokens.owners, poolBody({ name })).expect(201);
    const names = async (query: string) => (await w.api('get', `${pools(w)}?${query}`, w.tokens.owners).expect(200)).body.data.map((d: { attributes: { name: string } }) => d.attributes.name);
    assert.deepEqual(await names('q=LINUX'), ['alpha-linux', 'gamma-linux']);
    assert.deepEqual(await names('sort=-name'), ['gamma-linux', 'beta', 'alpha-linux']);
    assert.deepEqual(await names('sort=name&page%5Bsize%5D=1&page%5Bnumber%5D=2'), ['beta']);
    const bad = await w.api('get', `${pools(w)}?sort=size`, w.tokens.owners).expect(422);
    assert.deepEqual(bad.body.errors[0], { status: '422', title: 'invalid parameter', detail: 'sort must be name, -name, created-at or -created-at', source: { parameter: 'sort' } });
  });

  it('bad input is a 422 naming the field', async () => {
    const w = await seedWorkspaceWorld();
    const blank = await w.api('post', pools(w), w.tokens.owners, poolBody({})).expect(422);
    assert.deepEqual([blank.body.errors[0].detail, blank.body.errors[0].source.pointer], ["Name can't be blank", '/data/attributes/name']);
    const scoped = await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'x', 'organization-scoped': 'yes' })).expect(422);
    assert.equal(scoped.body.errors[0].detail, 'data.attributes.organization-scoped: organization-scoped must be true or false');
    const ws = await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'x' }, { 'allowed-workspaces': { data: [{ type: 'workspaces', id: 'ws-nope' }] } })).expect(422);
    assert.equal(ws.body.errors[0].detail, `allowed-workspaces: workspace ws-nope was not found in organization ${w.org.name}`);
    const p = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'x' })).expect(201)).body.data;
    const desc = await w.api('post', `/api/v2/agent-pools/${p.id}/authentication-tokens`, w.tokens.owners, tokenBody('')).expect(422);
    assert.deepEqual([desc.body.errors[0].detail, desc.body.errors[0].source.pointer], ["Description can't be blank", '/data/attributes/description']);
  });

  it('allowed workspaces: set, returned, and a deleted workspace drops out', async () => {
    const w = await seedWorkspaceWorld();
    const a = await createWorkspace(w, 'a', w.tokens.owners);
    const b = await createWorkspace(w, 'b', w.tokens.owners);
    const rel = { 'allowed-workspaces': { data: [{ type: 'workspaces', id: a }, { type: 'workspaces', id: b }] } };
    const p = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'scoped', 'organization-scoped': false }, rel)).expect(201)).body.data;
    assert.deepEqual(p.relationships['allowed-workspaces'].data, [{ id: a, type: 'workspaces' }, { id: b, type: 'workspaces' }]);
    await w.api('delete', `/api/v2/workspaces/${b}`, w.tokens.owners).expect(204);
    const read = (await w.api('get', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(200)).body.data;
    assert.deepEqual(read.relationships['allowed-workspaces'].data, [{ id: a, type: 'workspaces' }]);
  });

  it('an agent token secret is shown once (no-store), stored hashed, never in a later response or a log line; tokens die with the pool', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const w = await seedWorkspaceWorld({}, { logger: createLogger('trace', sink) });
    const p = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'tok' })).expect(201)).body.data;
    const base = `/api/v2/agent-pools/${p.id}/authentication-tokens`;
    const created = await w.api('post', base, w.tokens.carol, tokenBody('ci agent')).expect(201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const t = created.body.data;
    const secret: string = t.attributes.token;
    assert.ok(typeof secret === 'string' && secret.length >= 20);
    assert.match(t.id, /^at-[A-Za-z0-9]{16}$/);
    assert.equal(t.attributes.description, 'ci agent');
    assert.equal(t.relationships['created-by'].data.id, w.users.carol.userId);
    const later = [
      await w.api('get', base, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/authentication-tokens/${t.id}`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(200),
    ];
    assert.equal(later[1]!.body.data.attributes.token, null);
    assert.deepEqual(later[0]!.body.data.map((d: { id: string }) => d.id), [t.id]);
    for (const text of [...later.map((r) => r.text), ...lines]) assert.ok(!text.includes(secret), 'the agent token secret appeared after creation');
    const stored = JSON.stringify(await w.h.store.resources.get('agent-tokens', t.id));
    assert.ok(!stored.includes(secret) && stored.includes('"secretHash"'), 'only the hash is stored');
    // An agent token is no API token.
    await w.api('get', `/api/v2/organizations/${w.org.name}`, secret).expect(401);
    // The user-token routes still answer for user tokens, and an id of neither kind is 404.
    await w.api('get', '/api/v2/authentication-tokens/at-doesnotexist00000', w.tokens.owners).expect(404);
    await w.api('delete', `/api/v2/authentication-tokens/${t.id}`, w.tokens.owners).expect(204);
    await w.api('get', `/api/v2/authentication-tokens/${t.id}`, w.tokens.owners).expect(404);
    const t2 = (await w.api('post', base, w.tokens.owners, tokenBody('second')).expect(201)).body.data;
    await w.api('delete', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(204);
    assert.equal(await w.h.store.resources.get('agent-tokens', t2.id), undefined);
  });

  it('truth rows: can-update-agent-pools equals whether creating (and reading) agent pools is allowed', async () => {
    const w = await seedWorkspaceWorld();
    const flags: boolean[] = [];
    for (const row of await truthRows(w, 'manage-agent-pools')) {
      const flag = await organizationFlag(w, row.secret, 'can-update-agent-pools');
      flags.push(flag);
      const create = await w.api('post', pools(w), row.secret, poolBody({ name: row.who }));
      assert.equal(create.status === 201, flag, `${row.who}: flag ${flag}, create ${create.status}`);
      if (!flag) assert.equal(create.status, 404, `${row.who}: refused is 404 (T7)`);
      const list = await w.api('get', pools(w), row.secret);
      assert.equal(list.status === 200, flag, `${row.who}: reads need the same right, got ${list.status}`);
    }
    assert.deepEqual(flags, [true, false, true, false, true], 'owner, member, team with the flag, team without it, organization token');
  });

  it('works on the SQLite store too (unique names, token cascade)', async () => {
    const store = createSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'apools-')), 'gateway.db'));
    const w = await seedWorkspaceWorld({}, { store });
    const p = (await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'sq' })).expect(201)).body.data;
    await w.api('post', pools(w), w.tokens.owners, poolBody({ name: 'SQ' })).expect(422);
    const t = (await w.api('post', `/api/v2/agent-pools/${p.id}/authentication-tokens`, w.tokens.owners, tokenBody('d')).expect(201)).body.data;
    await w.api('delete', `/api/v2/agent-pools/${p.id}`, w.tokens.owners).expect(204);
    assert.equal(await store.resources.get('agent-tokens', t.id), undefined);
  });
});
