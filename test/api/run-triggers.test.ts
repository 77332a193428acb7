/**
 * Run triggers: create/read/list/delete with TFE's shapes, the required inbound|outbound filter,
 * the rules (same organization, not itself, one per pair, at most 20 sources), who may (admin on
 * the target, a readable source), and the cascade: deleting either workspace removes the trigger.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STORE_KINDS, seederFor } from '../support/both-stores.ts';
import { createWorkspace, grant, type Seeded } from '../support/workspaces.ts';

const rts = (ws: string, type?: string) => `/api/v2/workspaces/${ws}/run-triggers${type ? `?filter%5Brun-trigger%5D%5Btype%5D=${type}` : ''}`;
const rtBody = (source: string) => ({ data: { type: 'run-triggers', relationships: { sourceable: { data: { id: source, type: 'workspaces' } } } } });
const create = (w: Seeded, target: string, source: string, secret = w.tokens.owners) => w.api('post', rts(target), secret, rtBody(source));

for (const store of STORE_KINDS) {
  const seedWorkspaceWorld = seederFor(store);
  describe(`run triggers (${store} store)`, () => {
    it('create, read, list inbound and outbound, delete', async () => {
      const w = await seedWorkspaceWorld();
      const target = await createWorkspace(w, 'target', w.tokens.owners);
      const source = await createWorkspace(w, 'source', w.tokens.owners);
      const rt = (await create(w, target, source).expect(201)).body.data;
      assert.match(rt.id, /^rt-[A-Za-z0-9]{16}$/);
      assert.deepEqual([rt.attributes['workspace-name'], rt.attributes['sourceable-name']], ['target', 'source']);
      assert.deepEqual(rt.relationships.workspace.data, { id: target, type: 'workspaces' });
      assert.deepEqual(rt.relationships.sourceable.data, { id: source, type: 'workspaces' });
      assert.deepEqual((await w.api('get', `/api/v2/run-triggers/${rt.id}`, w.tokens.alice).expect(200)).body.data, rt);
      assert.deepEqual((await w.api('get', rts(target, 'inbound'), w.tokens.owners).expect(200)).body.data, [rt]);
      assert.deepEqual((await w.api('get', rts(source, 'outbound'), w.tokens.owners).expect(200)).body.data, [rt]);
      assert.deepEqual((await w.api('get', rts(source, 'inbound'), w.tokens.owners).expect(200)).body.data, []);
      await w.api('delete', `/api/v2/run-triggers/${rt.id}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/run-triggers/${rt.id}`, w.tokens.owners).expect(404);
    });

    it('the list needs filter[run-trigger][type] inbound or outbound (422 otherwise)', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'f', w.tokens.owners);
      const none = (await w.api('get', rts(ws), w.tokens.owners).expect(422)).body.errors[0];
      assert.deepEqual([none.detail, none.source.parameter], ['filter[run-trigger][type] is required: inbound or outbound', 'filter[run-trigger][type]']);
      assert.equal((await w.api('get', rts(ws, 'sideways'), w.tokens.owners).expect(422)).body.errors[0].detail, 'filter[run-trigger][type] must be inbound or outbound');
    });

    it('rules: not itself, one per pair, a real workspace of the organization, at most 20 sources', async () => {
      const w = await seedWorkspaceWorld();
      const target = await createWorkspace(w, 'target', w.tokens.owners);
      const detail = async (source: string) => (await create(w, target, source).expect(422)).body.errors[0].detail;
      assert.equal(await detail(target), 'Sourceable cannot be the same workspace as the one it triggers');
      assert.equal(await detail('ws-doesnotexist00000'), 'Sourceable must be a workspace of the same organization');
      assert.equal((await w.api('post', rts(target), w.tokens.owners, { data: { type: 'run-triggers' } }).expect(422)).body.errors[0].source.pointer, '/data/relationships');
      for (let i = 0; i < 20; i++) await create(w, target, await createWorkspace(w, `s${i}`, w.tokens.owners)).expect(201);
      assert.equal(await detail(await createWorkspace(w, 's20', w.tokens.owners)), 'Workspace cannot have more than 20 source workspaces');
      const other = await createWorkspace(w, 'other', w.tokens.owners);
      const first = (await w.api('get', rts(target, 'inbound'), w.tokens.owners).expect(200)).body.data[0].relationships.sourceable.data.id;
      await create(w, other, first).expect(201);
      assert.equal((await create(w, other, first).expect(422)).body.errors[0].detail, 'Sourceable has already been taken: this workspace already triggers the target');
    });

    it('who may: admin on the target and a readable source; others get 404', async () => {
      const w = await seedWorkspaceWorld();
      const target = await createWorkspace(w, 'target', w.tokens.owners);
      const source = await createWorkspace(w, 'source', w.tokens.owners);
      await grant(w, w.contractors.id, target, 'write');
      await create(w, target, source, w.tokens.contractors).expect(404); // write is not admin
      await create(w, target, source, w.tokens.alice).expect(404); // read-workspaces only
      const rt = (await create(w, target, source, w.tokens.organization).expect(201)).body.data;
      await w.api('delete', `/api/v2/run-triggers/${rt.id}`, w.tokens.contractors).expect(404);
      const adminOnly = await createWorkspace(w, 'admin-only', w.tokens.owners);
      await grant(w, w.contractors.id, adminOnly, 'admin');
      // The contractors see neither source: a hidden source is reported like a missing one.
      assert.equal((await create(w, adminOnly, source, w.tokens.contractors).expect(422)).body.errors[0].detail, 'Sourceable must be a workspace of the same organization');
      await create(w, adminOnly, target, w.tokens.contractors).expect(201);
    });

    it('deleting the target or the source workspace removes the trigger', async () => {
      const w = await seedWorkspaceWorld();
      const target = await createWorkspace(w, 'target', w.tokens.owners);
      const source = await createWorkspace(w, 'source', w.tokens.owners);
      const other = await createWorkspace(w, 'other', w.tokens.owners);
      const bySource = (await create(w, target, source).expect(201)).body.data;
      const byTarget = (await create(w, other, target).expect(201)).body.data;
      await w.api('delete', `/api/v2/workspaces/${source}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/run-triggers/${bySource.id}`, w.tokens.owners).expect(404);
      assert.equal((await w.api('get', rts(target, 'inbound'), w.tokens.owners).expect(200)).body.meta.pagination['total-count'], 0);
      await w.api('delete', `/api/v2/workspaces/${other}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/run-triggers/${byTarget.id}`, w.tokens.owners).expect(404);
      assert.equal((await w.api('get', rts(target, 'outbound'), w.tokens.owners).expect(200)).body.data.length, 0);
    });
  });
}
