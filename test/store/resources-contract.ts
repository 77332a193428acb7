/**
 * The store contract for the resources section (types-resources.ts), run against the memory and
 * the SQLite store (resources.test.ts): create/get/list/update/delete by type, unique keys that
 * fail atomically, paging with true totals, insertion-order ties, and every cascade (organization,
 * workspace, parent resource, recursively), each checked by reading after the parent is gone.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StoreConflictError, type ResourceRecord, type Store } from '../../src/store/types.ts';
import { defaultSettings } from '../../src/tfe/workspaces.ts';
import { org, team } from './contract.ts';

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;
const id = (p: string) => `${p}-${String(++seq).padStart(16, '0')}`;
const page = (number = 1, size = 20) => ({ number, size });

function resource(type: string, organizationId: string, over: Partial<ResourceRecord> = {}): ResourceRecord {
  return { id: id(type.slice(0, 4)), type, organizationId, workspaceId: null, parentId: null, uniqueKey: null, createdAt: T0, updatedAt: T0, attributes: { name: `n-${seq}`, nested: { list: [1, 'two'] } }, ...over };
}

export function resourcesContract(name: string, create: () => Promise<Store>): void {
  describe(`store contract, resources section: ${name}`, () => {
    let store: Store;
    let orgId: string;
    let wsId: string;
    beforeEach(async () => {
      store = await create();
      const o = org();
      await store.organizations.create(o, team(o.id, { name: 'owners', isOwners: true }), null);
      orgId = o.id;
      wsId = id('ws');
      await store.workspaces.create({ id: wsId, organizationId: orgId, name: `ws-${seq}`, createdAt: T0, updatedAt: T0, settings: defaultSettings(), lockedBy: null, lockReason: null, currentRunId: null, currentStateVersionId: null });
    });
    afterEach(() => store.close());

    it('create, then get returns an equal copy; the same id under another type is absent', async () => {
      const r = resource('policies', orgId);
      await store.resources.create(r);
      const got = await store.resources.get('policies', r.id);
      assert.deepEqual(got, r);
      got!.attributes.name = 'changed';
      assert.equal((await store.resources.get('policies', r.id))!.attributes.name, r.attributes.name, 'records are copies');
      assert.equal(await store.resources.get('ssh-keys', r.id), undefined);
    });

    it('a taken unique key of the same type is a StoreConflictError; another type may use it', async () => {
      await store.resources.create(resource('policies', orgId, { uniqueKey: `${orgId}/p` }));
      await assert.rejects(store.resources.create(resource('policies', orgId, { uniqueKey: `${orgId}/p` })), StoreConflictError);
      await store.resources.create(resource('policy-sets', orgId, { uniqueKey: `${orgId}/p` }));
      assert.equal((await store.resources.list('policies', { organizationId: orgId }, page())).total, 1);
    });

    it('a missing organization, workspace or parent is a StoreConflictError and writes nothing', async () => {
      await assert.rejects(store.resources.create(resource('policies', 'org-missing000000000')), StoreConflictError);
      await assert.rejects(store.resources.create(resource('run-triggers', orgId, { workspaceId: 'ws-missing0000000000' })), StoreConflictError);
      await assert.rejects(store.resources.create(resource('agent-tokens', orgId, { parentId: 'apool-missing0000000' })), StoreConflictError);
      assert.equal((await store.resources.listAll('policies', {})).length, 0);
    });

    it('list filters by organization, workspace and parent, oldest first with insertion-order ties, pages with the true total', async () => {
      const other = org();
      await store.organizations.create(other, team(other.id, { name: 'owners', isOwners: true }), null);
      const a = resource('ssh-keys', orgId, { createdAt: T0 + 5 });
      const b = resource('ssh-keys', orgId, { createdAt: T0 });
      const c = resource('ssh-keys', orgId, { createdAt: T0 });
      const d = resource('ssh-keys', other.id);
      const w = resource('ssh-keys', orgId, { workspaceId: wsId, createdAt: T0 + 9 });
      for (const r of [a, b, c, d, w]) await store.resources.create(r);
      const all = await store.resources.list('ssh-keys', { organizationId: orgId }, page());
      assert.deepEqual(all.items.map((r) => r.id), [b.id, c.id, a.id, w.id]);
      assert.equal(all.total, 4);
      const second = await store.resources.list('ssh-keys', { organizationId: orgId }, page(2, 3));
      assert.deepEqual(second.items.map((r) => r.id), [w.id]);
      assert.equal(second.total, 4);
      const past = await store.resources.list('ssh-keys', { organizationId: orgId }, page(9, 3));
      assert.deepEqual([past.items.length, past.total], [0, 4]);
      assert.deepEqual((await store.resources.listAll('ssh-keys', { workspaceId: wsId })).map((r) => r.id), [w.id]);
      const child = resource('agent-tokens', orgId, { parentId: a.id });
      await store.resources.create(child);
      assert.deepEqual((await store.resources.listAll('agent-tokens', { parentId: a.id })).map((r) => r.id), [child.id]);
    });

    it('update replaces attributes, moves the unique key atomically, and refuses a taken key without changing anything', async () => {
      const a = resource('policies', orgId, { uniqueKey: `${orgId}/a` });
      const b = resource('policies', orgId, { uniqueKey: `${orgId}/b` });
      await store.resources.create(a);
      await store.resources.create(b);
      const updated = await store.resources.update('policies', a.id, { attributes: { name: 'a2' }, uniqueKey: `${orgId}/a2`, updatedAt: T0 + 1 });
      assert.deepEqual([updated!.attributes, updated!.uniqueKey, updated!.updatedAt], [{ name: 'a2' }, `${orgId}/a2`, T0 + 1]);
      // The old key is free again.
      await store.resources.create(resource('policies', orgId, { uniqueKey: `${orgId}/a` }));
      await assert.rejects(store.resources.update('policies', a.id, { attributes: { name: 'x' }, uniqueKey: `${orgId}/b`, updatedAt: T0 + 2 }), StoreConflictError);
      const after = await store.resources.get('policies', a.id);
      assert.deepEqual([after!.attributes, after!.uniqueKey], [{ name: 'a2' }, `${orgId}/a2`]);
      assert.equal(await store.resources.update('ssh-keys', a.id, { updatedAt: T0 }), undefined, 'another type: absent');
      assert.equal(await store.resources.update('policies', 'pol-missing000000000', { updatedAt: T0 }), undefined);
    });

    it('delete removes the record and its descendants, recursively, and frees their unique keys', async () => {
      const pool = resource('agent-pools', orgId, { uniqueKey: `${orgId}/pool` });
      await store.resources.create(pool);
      const tok = resource('agent-tokens', orgId, { parentId: pool.id });
      await store.resources.create(tok);
      const grandchild = resource('notes', orgId, { parentId: tok.id, uniqueKey: 'g' });
      await store.resources.create(grandchild);
      assert.equal(await store.resources.delete('policies', pool.id), false, 'another type deletes nothing');
      assert.equal(await store.resources.delete('agent-pools', pool.id), true);
      assert.equal(await store.resources.get('agent-tokens', tok.id), undefined);
      assert.equal(await store.resources.get('notes', grandchild.id), undefined);
      assert.equal(await store.resources.delete('agent-pools', pool.id), false);
      await store.resources.create(resource('agent-pools', orgId, { uniqueKey: `${orgId}/pool` }));
      await store.resources.create(resource('notes', orgId, { uniqueKey: 'g' }));
    });

    it("a deleted workspace takes its resources (and their children) with it; the organization's others stay", async () => {
      const trigger = resource('run-triggers', orgId, { workspaceId: wsId });
      const kept = resource('policies', orgId);
      await store.resources.create(trigger);
      await store.resources.create(kept);
      const child = resource('notes', orgId, { parentId: kept.id, workspaceId: wsId });
      await store.resources.create(child);
      assert.equal(await store.workspaces.delete(wsId), true);
      assert.equal(await store.resources.get('run-triggers', trigger.id), undefined);
      assert.equal(await store.resources.get('notes', child.id), undefined);
      assert.ok(await store.resources.get('policies', kept.id));
    });

    it('a deleted organization takes every resource of it (direct, by workspace and by parent); another organization keeps its own', async () => {
      const other = org();
      await store.organizations.create(other, team(other.id, { name: 'owners', isOwners: true }), null);
      const mine = [resource('policies', orgId, { uniqueKey: `${orgId}/x` }), resource('run-triggers', orgId, { workspaceId: wsId })];
      for (const r of mine) await store.resources.create(r);
      const child = resource('policy-set-parameters', orgId, { parentId: mine[0]!.id });
      await store.resources.create(child);
      const theirs = resource('policies', other.id);
      await store.resources.create(theirs);
      assert.equal(await store.organizations.delete(orgId), true);
      for (const r of [...mine, child]) assert.equal(await store.resources.get(r.type, r.id), undefined, `${r.type} ${r.id} outlived its organization`);
      assert.equal((await store.resources.listAll('policies', {})).length, 1);
      assert.ok(await store.resources.get('policies', theirs.id));
      // Its unique key is free again.
      const again = org({ id: orgId, name: 'again' });
      await store.organizations.create(again, team(again.id, { name: 'owners', isOwners: true }), null);
      await store.resources.create(resource('policies', orgId, { uniqueKey: `${orgId}/x` }));
    });
  });
}
