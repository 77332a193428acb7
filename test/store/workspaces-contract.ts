/**
 * The store contract for the workspaces section (types-workspaces.ts), run against the memory
 * and the SQLite store (workspaces-memory.test.ts, workspaces-sqlite.test.ts): every method, its
 * compare-and-set steps, paging with true totals, ordering ties, and the cascades.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  StoreConflictError,
  type ConfigurationVersionRecord,
  type RunRecord,
  type StateVersionRecord,
  type Store,
  type TeamAccessRecord,
  type VariableRecord,
  type WorkspaceRecord,
} from '../../src/store/types.ts';
import { LEVEL_PERMISSIONS } from '../../src/tfe/workspace-access.ts';
import { defaultSettings } from '../../src/tfe/workspaces.ts';
import { org, team } from './contract.ts';

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;
const id = (p: string) => `${p}-${String(++seq).padStart(16, '0')}`;
const page = (number = 1, size = 20) => ({ number, size });

const workspace = (organizationId: string, over: Partial<WorkspaceRecord> = {}): WorkspaceRecord => ({
  id: id('ws'), organizationId, name: `ws-${seq}`, createdAt: T0, updatedAt: T0, settings: defaultSettings(), lockedBy: null, lockReason: null, currentRunId: null, currentStateVersionId: null, ...over,
});
const access = (teamId: string, workspaceId: string): TeamAccessRecord => ({ id: id('tws'), teamId, workspaceId, access: 'write', ...LEVEL_PERMISSIONS.write, createdAt: T0 });
const cv = (workspaceId: string): ConfigurationVersionRecord => ({
  id: id('cv'), workspaceId, status: 'pending', source: 'tfe-api', autoQueueRuns: false, speculative: false, error: null, errorMessage: null, createdAt: T0, statusTimestamps: { 'queued-at': T0 }, resourceAddresses: null, size: null,
});
const phase = (p: string) => ({ id: id(p), status: 'pending' as const, statusTimestamps: {}, resourceAdditions: 0, resourceChanges: 0, resourceDestructions: 0, log: '' });
const run = (workspaceId: string, configurationVersionId: string, over: Partial<RunRecord> = {}): RunRecord => ({
  id: id('run'), workspaceId, configurationVersionId, status: 'pending', statusTimestamps: {}, message: 'm', source: 'tfe-api', isDestroy: false, refresh: true, refreshOnly: false, planOnly: false, autoApply: false,
  targetAddrs: null, replaceAddrs: null, hasChanges: false, createdAt: T0, createdBy: { kind: 'user', id: 'user-1' }, canceledAt: null, forceCancelAvailableAt: null, plan: phase('plan'), apply: phase('apply'), ...over,
});
const sv = (workspaceId: string, serial: number): StateVersionRecord => ({
  id: id('sv'), workspaceId, serial, lineage: 'l', md5: 'x', size: 2, createdAt: T0 + serial, runId: null, createdBy: null, outputs: [{ id: id('wsout'), name: 'o', sensitive: false, type: 'string', value: 'v' }], terraformVersion: null,
});
const variable = (workspaceId: string, key: string, over: Partial<VariableRecord> = {}): VariableRecord => ({
  id: id('var'), workspaceId, key, value: 'v', description: null, category: 'terraform', hcl: false, sensitive: false, createdAt: T0, versionId: 'v1', ...over,
});

/** A workspace with one of everything it owns or is reached through: the cascade tests' start. */
async function workspaceWithAll(store: Store, orgId: string) {
  const w = workspace(orgId);
  await store.workspaces.create(w);
  const t = team(orgId);
  await store.teams.create(t);
  await store.teamAccess.create(access(t.id, w.id));
  const c = cv(w.id);
  await store.configurationVersions.create(c);
  const r = await store.runs.enqueue(run(w.id, c.id));
  const s = sv(w.id, 1);
  await store.stateVersions.create(s, Buffer.from('{}'), null);
  const v = variable(w.id, 'k');
  await store.variables.create(v);
  return { w, t, c, r, s, v };
}

export function workspacesContract(name: string, create: () => Promise<Store>): void {
  describe(`store contract, workspaces section: ${name}`, () => {
    let store: Store;
    let orgId: string;
    beforeEach(async () => {
      store = await create();
      const o = org();
      orgId = o.id;
      await store.organizations.create(o, team(o.id, { isOwners: true, name: 'owners' }), null);
    });
    afterEach(async () => store.close());

    it('workspaces: create, get by id and name, unique names per organization, rename', async () => {
      const w = workspace(orgId, { name: 'app' });
      await store.workspaces.create(w);
      assert.deepEqual(await store.workspaces.get(w.id), w);
      assert.deepEqual(await store.workspaces.getByName(orgId, 'app'), w);
      await assert.rejects(store.workspaces.create(workspace(orgId, { name: 'app' })), StoreConflictError);
      await assert.rejects(store.workspaces.create(workspace('org-missing', { name: 'x' })), StoreConflictError);
      const other = workspace(orgId, { name: 'other' });
      await store.workspaces.create(other);
      await assert.rejects(store.workspaces.update(other.id, { name: 'app', updatedAt: T0 + 1 }), StoreConflictError);
      const renamed = await store.workspaces.update(w.id, { name: 'renamed', settings: { autoApply: true }, updatedAt: T0 + 5 });
      assert.equal(renamed?.name, 'renamed');
      assert.equal(renamed?.settings.autoApply, true);
      assert.equal(renamed?.settings.terraformVersion, w.settings.terraformVersion, 'other settings kept');
      assert.equal(renamed?.updatedAt, T0 + 5);
      assert.equal(await store.workspaces.getByName(orgId, 'app'), undefined);
      assert.equal(await store.workspaces.update('ws-missing', { updatedAt: 1 }), undefined);
      // Copies: mutating a returned record changes nothing stored.
      renamed!.settings.triggerPrefixes.push('/x');
      assert.deepEqual((await store.workspaces.get(w.id))!.settings.triggerPrefixes, []);
    });

    it('workspaces: list sorted by name, search case-insensitive, ids filter, true totals past the end', async () => {
      for (const n of ['beta', 'Alpha-web', 'alpha-db']) await store.workspaces.create(workspace(orgId, { name: n }));
      const all = await store.workspaces.listByOrganization(orgId, page());
      assert.deepEqual(all.items.map((w) => w.name), ['Alpha-web', 'alpha-db', 'beta']);
      const found = await store.workspaces.listByOrganization(orgId, page(), { search: 'ALPHA' });
      assert.deepEqual([found.total, found.items.length], [2, 2]);
      const second = await store.workspaces.listByOrganization(orgId, page(2, 1));
      assert.deepEqual([second.items[0]!.name, second.total], ['alpha-db', 3]);
      const beyond = await store.workspaces.listByOrganization(orgId, page(99, 10));
      assert.deepEqual([beyond.items, beyond.total], [[], 3]);
      const ids = await store.workspaces.listByOrganization(orgId, page(), { ids: [all.items[2]!.id, 'ws-other'] });
      assert.deepEqual(ids.items.map((w) => w.name), ['beta']);
      assert.equal((await store.workspaces.listByOrganization(orgId, page(), { ids: [] })).total, 0);
    });

    it('locks are compare-and-set: one winner, unlock only by the holder unless forced', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const a = { kind: 'user' as const, id: 'user-a' };
      const b = { kind: 'team' as const, id: 'team-b' };
      const results = await Promise.all([store.workspaces.lock(w.id, a, 'r'), store.workspaces.lock(w.id, b, null)]);
      assert.deepEqual(results.map((r) => r.ok), [true, false]);
      assert.deepEqual((await store.workspaces.get(w.id))!.lockedBy, a);
      const other = await store.workspaces.unlock(w.id, b, false);
      assert.equal(other.ok ? 'ok' : other.reason, 'held-by-other');
      assert.equal((await store.workspaces.unlock(w.id, b, true)).ok, true);
      const again = await store.workspaces.unlock(w.id, a, false);
      assert.equal(again.ok ? 'ok' : again.reason, 'already');
      const missing = await store.workspaces.lock('ws-missing', a, null);
      assert.equal(missing.ok ? 'ok' : missing.reason, 'not-found');
    });

    it('team access: one per team and workspace, forWorkspace / forTeams, update, delete', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const t1 = team(orgId);
      const t2 = team(orgId);
      await store.teams.create(t1);
      await store.teams.create(t2);
      const a1 = access(t1.id, w.id);
      await store.teamAccess.create(a1);
      await assert.rejects(store.teamAccess.create(access(t1.id, w.id)), StoreConflictError);
      await store.teamAccess.create(access(t2.id, w.id));
      assert.deepEqual(await store.teamAccess.get(a1.id), a1);
      assert.deepEqual((await store.teamAccess.forWorkspace(w.id, [t1.id])).map((a) => a.id), [a1.id]);
      assert.equal((await store.teamAccess.forTeams([t1.id, t2.id])).length, 2);
      const list = await store.teamAccess.listByWorkspace(w.id, page(1, 1));
      assert.deepEqual([list.items[0]!.id, list.total], [a1.id, 2]);
      const updated = await store.teamAccess.update(a1.id, { access: 'custom', runs: 'plan' });
      assert.deepEqual([updated?.access, updated?.runs, updated?.variables], ['custom', 'plan', 'write']);
      assert.equal(await store.teamAccess.delete(a1.id), true);
      assert.equal(await store.teamAccess.delete(a1.id), false);
      // Deleting a team removes its access.
      await store.teams.delete(t2.id);
      assert.equal((await store.teamAccess.listByWorkspace(w.id, page())).total, 0);
    });

    it('configuration versions: newest first, upload only while pending, exact slug bytes', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const first = cv(w.id);
      const second = cv(w.id);
      await store.configurationVersions.create(first);
      await store.configurationVersions.create(second);
      await assert.rejects(store.configurationVersions.create(cv('ws-missing')), StoreConflictError);
      assert.deepEqual((await store.configurationVersions.listByWorkspace(w.id, page())).items.map((c) => c.id), [second.id, first.id], 'ties: newest inserted first');
      const slug = Buffer.from([0, 1, 2, 255, 254]);
      assert.equal(await store.configurationVersions.markUploaded(first.id, slug, ['a.b'], T0 + 9), 'ok');
      assert.equal(await store.configurationVersions.markUploaded(first.id, slug, [], T0 + 9), 'not-pending');
      assert.equal(await store.configurationVersions.markUploaded('cv-missing', slug, [], T0), 'not-found');
      const up = await store.configurationVersions.get(first.id);
      assert.deepEqual([up?.status, up?.resourceAddresses, up?.size, up?.statusTimestamps['finished-at']], ['uploaded', ['a.b'], 5, T0 + 9]);
      assert.ok((await store.configurationVersions.getSlug(first.id))!.equals(slug));
      assert.equal(await store.configurationVersions.getSlug(second.id), undefined);
    });

    it('runs: queue unless one is active, first in first out on equal times, CAS transitions, promotion, active list', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const c = cv(w.id);
      await store.configurationVersions.create(c);
      const [r1, r2, r3] = [run(w.id, c.id), run(w.id, c.id), run(w.id, c.id)];
      const stored = await Promise.all([store.runs.enqueue(r1), store.runs.enqueue(r2), store.runs.enqueue(r3)]);
      assert.deepEqual(stored.map((r) => r.status), ['plan_queued', 'pending', 'pending']);
      assert.equal(stored[0]!.statusTimestamps['plan-queued-at'], T0);
      assert.equal((await store.workspaces.get(w.id))!.currentRunId, r3.id);
      const speculative = await store.runs.enqueue(run(w.id, c.id, { planOnly: true }));
      assert.equal(speculative.status, 'plan_queued', 'plan-only runs never wait');
      assert.equal((await store.workspaces.get(w.id))!.currentRunId, r3.id, 'and are not the current run');
      assert.deepEqual((await store.runs.getByPlanId(r1.plan.id))?.id, r1.id);
      assert.deepEqual((await store.runs.getByApplyId(r2.apply.id))?.id, r2.id);
      assert.equal(await store.runs.getByPlanId(r1.apply.id), undefined);

      assert.equal(await store.runs.promoteNext(w.id, T0 + 1), undefined, 'r1 holds the queue');
      assert.equal((await store.runs.transition(r1.id, 'planning', { status: 'planned' })), undefined, 'not in that state');
      const racing = await Promise.all([store.runs.transition(r1.id, 'plan_queued', { status: 'planning' }), store.runs.transition(r1.id, 'plan_queued', { status: 'discarded' })]);
      assert.deepEqual(racing.map((r) => r?.status), ['planning', undefined]);
      await store.runs.transition(r1.id, ['planning', 'planned'], { status: 'discarded' });
      const next = await store.runs.promoteNext(w.id, T0 + 2);
      assert.deepEqual([next?.id, next?.status, next?.statusTimestamps['plan-queued-at']], [r2.id, 'plan_queued', T0 + 2]);
      assert.equal(await store.runs.promoteNext(w.id, T0 + 3), undefined);
      assert.deepEqual((await store.runs.listActive()).map((r) => r.id), [r2.id, r3.id, speculative.id]);
      const list = await store.runs.listByWorkspace(w.id, page(1, 2));
      assert.deepEqual([list.items.map((r) => r.id), list.total], [[speculative.id, r3.id], 4]);
      const pendingOnly = await store.runs.listByWorkspace(w.id, page(), { statuses: ['pending'] });
      assert.deepEqual(pendingOnly.items.map((r) => r.id), [r3.id]);
      await assert.rejects(store.runs.enqueue(run('ws-missing', c.id)), StoreConflictError);
    });

    it('state versions: create is CAS on the current version; exact bytes; outputs; newest serial first', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const v1 = sv(w.id, 1);
      const bytes = Buffer.from('{"a": 1}\n');
      assert.deepEqual(await store.stateVersions.create(v1, bytes, null), { ok: true });
      assert.equal((await store.workspaces.get(w.id))!.currentStateVersionId, v1.id);
      const stale = await store.stateVersions.create(sv(w.id, 2), bytes, null);
      assert.deepEqual(stale, { ok: false, reason: 'current-changed' });
      const v2 = sv(w.id, 2);
      assert.deepEqual(await store.stateVersions.create(v2, Buffer.from('{}'), v1.id), { ok: true });
      assert.deepEqual(await store.stateVersions.create(sv('ws-missing', 1), bytes, null), { ok: false, reason: 'not-found' });
      assert.ok((await store.stateVersions.getState(v1.id))!.equals(bytes));
      assert.deepEqual(await store.stateVersions.get(v1.id), v1);
      const out = await store.stateVersions.getOutput(v2.outputs[0]!.id);
      assert.deepEqual([out?.output.name, out?.stateVersion.id], ['o', v2.id]);
      const list = await store.stateVersions.listByWorkspace(w.id, page());
      assert.deepEqual([list.items.map((v) => v.serial), list.total], [[2, 1], 2]);
    });

    it('a JSON-record row whose workspace does not exist is a StoreConflictError (foreign key mapped), and nothing is stored', async () => {
      const orphan = variable('ws-missing', 'k');
      await assert.rejects(store.variables.create(orphan), StoreConflictError);
      assert.equal(await store.variables.get(orphan.id), undefined);
      const c = cv('ws-missing');
      await assert.rejects(store.configurationVersions.create(c), StoreConflictError);
      assert.equal(await store.configurationVersions.get(c.id), undefined);
    });

    it('variables: unique key per category, update conflicts, sorted by key', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const b = variable(w.id, 'b');
      await store.variables.create(b);
      await store.variables.create(variable(w.id, 'a'));
      const env = variable(w.id, 'b', { category: 'env' });
      await store.variables.create(env);
      await assert.rejects(store.variables.create(variable(w.id, 'b')), StoreConflictError);
      await assert.rejects(store.variables.update(env.id, { category: 'terraform' }), StoreConflictError);
      assert.deepEqual((await store.variables.listByWorkspace(w.id, page())).items.map((v) => `${v.key}/${v.category}`), ['a/terraform', 'b/env', 'b/terraform']);
      const updated = await store.variables.update(b.id, { value: 'new', sensitive: true });
      assert.deepEqual([updated?.value, updated?.sensitive, updated?.key], ['new', true, 'b']);
      assert.equal(await store.variables.update('var-missing', {}), undefined);
      assert.equal(await store.variables.delete(b.id), true);
      assert.equal(await store.variables.get(b.id), undefined);
    });

    it('cascades: deleting a workspace removes what it owns; deleting the organization removes its workspaces', async () => {
      const { w, t, c, r, s, v } = await workspaceWithAll(store, orgId);
      assert.equal(await store.workspaces.delete(w.id), true);
      assert.equal(await store.workspaces.delete(w.id), false);
      assert.deepEqual(
        [await store.configurationVersions.get(c.id), await store.runs.get(r.id), await store.stateVersions.get(s.id), await store.variables.get(v.id), await store.stateVersions.getOutput(s.outputs[0]!.id)],
        [undefined, undefined, undefined, undefined, undefined],
      );
      assert.deepEqual(await store.teamAccess.forTeams([t.id]), []);
      assert.deepEqual(await store.runs.listActive(), []);

      const w2 = workspace(orgId);
      await store.workspaces.create(w2);
      await store.organizations.delete(orgId);
      assert.equal(await store.workspaces.get(w2.id), undefined);
    });

    it('regression: deleting the organization removes its runs, configuration versions, state versions, variables and team access (read before anything else)', async () => {
      const { w, t, c, r, s, v } = await workspaceWithAll(store, orgId);
      assert.equal(await store.organizations.delete(orgId), true);
      // Each read is the first after the delete, in an order that never touches the workspaces table first.
      assert.equal(await store.runs.get(r.id), undefined);
      assert.deepEqual(await store.runs.listActive(), []);
      assert.equal(await store.configurationVersions.get(c.id), undefined);
      assert.equal(await store.stateVersions.get(s.id), undefined);
      assert.equal(await store.stateVersions.getOutput(s.outputs[0]!.id), undefined);
      assert.equal(await store.variables.get(v.id), undefined);
      assert.deepEqual(await store.teamAccess.forTeams([t.id]), []);
      assert.equal(await store.workspaces.get(w.id), undefined);
    });

    it('deleting a team removes its team access at once', async () => {
      const w = workspace(orgId);
      await store.workspaces.create(w);
      const t = team(orgId);
      await store.teams.create(t);
      const a = access(t.id, w.id);
      await store.teamAccess.create(a);
      assert.equal(await store.teams.delete(t.id), 'deleted');
      assert.equal(await store.teamAccess.get(a.id), undefined);
      assert.deepEqual(await store.teamAccess.forTeams([t.id]), []);
    });
  });
}
