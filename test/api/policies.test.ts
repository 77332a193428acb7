/**
 * Policies, policy sets, policy set parameters and simulated policy checks through the HTTP
 * interface: CRUD and code upload/download, unique names, every validation error's message,
 * sensitive parameters never returned, the policy check a plan passes through (passed,
 * soft_failed held in policy_override until overridden, hard_failed ends the run errored), and
 * the truth rows for `can-update-sentinel` (the flag equals whether creating a policy is allowed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { afterPlan, checksOfRun } from '../../src/tfe/policy-checks.ts';
import { createWorkspace, queue, seedWorkspaceWorld, uploadedCv, type Seeded } from '../support/workspaces.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-policies-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const policyBody = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'policies', attributes, ...(relationships ? { relationships } : {}) } });
const setBody = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'policy-sets', attributes, ...(relationships ? { relationships } : {}) } });
const many = (type: string, ids: string[]) => ({ data: ids.map((id) => ({ type, id })) });

async function newPolicy(w: Seeded, name: string, level = 'soft-mandatory', secret = w.tokens.carol) {
  const res = await w.api('post', `/api/v2/organizations/${w.org.name}/policies`, secret, policyBody({ name, enforce: [{ path: `${name}.sentinel`, mode: level }] })).expect(201);
  return res.body.data;
}

async function upload(w: Seeded, id: string, code: string, secret = w.tokens.carol) {
  await w.api('put', `/api/v2/policies/${id}/upload`, secret).set('Content-Type', 'application/octet-stream').send(Buffer.from(code)).expect(200);
}

const errorOf = (res: { body: { errors: { detail: string; source?: { pointer: string } }[] } }) => res.body.errors[0]!;

for (const store of ['memory', 'sqlite'] as const) {
  const seed = () => seedWorkspaceWorld({}, store === 'sqlite' ? { store: createSqliteStore(path.join(dir, `${Math.random().toString(36).slice(2)}.db`)) } : {});

  describe(`policies and policy sets (${store} store)`, () => {
    it('a policy: create, upload, download, read with its enforcement, update, delete', async () => {
      const w = await seed();
      const p = await newPolicy(w, 'no-public-buckets');
      assert.match(p.id, /^pol-[A-Za-z0-9]{16}$/);
      assert.deepEqual(p.attributes.enforce, [], 'no code yet: nothing is enforced');
      assert.equal(p.attributes['enforcement-level'], 'soft-mandatory');
      assert.equal(p.attributes.kind, 'sentinel');
      assert.deepEqual(p.relationships.organization.data, { id: w.org.name, type: 'organizations' });
      await w.api('get', `/api/v2/policies/${p.id}/download`, w.tokens.carol).expect(404);
      await upload(w, p.id, 'main = rule { true }');
      const dl = await w.api('get', `/api/v2/policies/${p.id}/download`, w.tokens.carol).expect(200);
      assert.equal(dl.text, 'main = rule { true }');
      const read = (await w.api('get', `/api/v2/policies/${p.id}`, w.tokens.carol).expect(200)).body.data;
      assert.deepEqual(read.attributes.enforce, [{ path: 'no-public-buckets.sentinel', mode: 'soft-mandatory' }]);
      const upd = (await w.api('patch', `/api/v2/policies/${p.id}`, w.tokens.carol, policyBody({ description: 'buckets', 'enforcement-level': 'hard-mandatory' })).expect(200)).body.data;
      assert.equal(upd.attributes.description, 'buckets');
      assert.equal(upd.attributes['enforcement-level'], 'hard-mandatory');
      const list = (await w.api('get', `/api/v2/organizations/${w.org.name}/policies?search[name]=public`, w.tokens.alice).expect(200)).body;
      assert.deepEqual(list.data.map((d: { id: string }) => d.id), [p.id]);
      await w.api('delete', `/api/v2/policies/${p.id}`, w.tokens.carol).expect(204);
      await w.api('get', `/api/v2/policies/${p.id}`, w.tokens.carol).expect(404);
    });

    it('policy names are unique per organization (422 has already been taken), and every bad input names its problem', async () => {
      const w = await seed();
      await newPolicy(w, 'dup');
      const taken = await w.api('post', `/api/v2/organizations/${w.org.name}/policies`, w.tokens.carol, policyBody({ name: 'DUP', 'enforcement-level': 'advisory' })).expect(422);
      assert.equal(errorOf(taken).detail, 'Name has already been taken');
      assert.equal(errorOf(taken).source?.pointer, '/data/attributes/name');
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'bad name!', 'enforcement-level': 'advisory' }, 'Name can only include letters, numbers, -, and _ (at most 256 characters)'],
        [{ name: 'nolevel' }, "Enforcement level can't be blank: send enforcement-level (or the older enforce: [{path, mode}])"],
        [{ name: 'badlevel', 'enforcement-level': 'mandatory' }, 'Enforcement level "mandatory" is not valid for a sentinel policy; use one of advisory, soft-mandatory, hard-mandatory'],
        [{ name: 'opa-noquery', kind: 'opa', 'enforcement-level': 'mandatory' }, "Query can't be blank for an OPA policy"],
        [{ name: 'opa-level', kind: 'opa', query: 'data.x.deny', 'enforcement-level': 'soft-mandatory' }, 'Enforcement level "soft-mandatory" is not valid for a opa policy; use one of advisory, mandatory'],
        [{ name: 'k', kind: 'python', 'enforcement-level': 'advisory' }, 'data.attributes.kind: kind must be sentinel or opa'],
      ];
      for (const [attributes, detail] of cases) {
        const res = await w.api('post', `/api/v2/organizations/${w.org.name}/policies`, w.tokens.carol, policyBody(attributes)).expect(422);
        assert.equal(errorOf(res).detail, detail, JSON.stringify(attributes));
      }
      const opa = await w.api('post', `/api/v2/organizations/${w.org.name}/policies`, w.tokens.carol, policyBody({ name: 'opa-ok', kind: 'opa', query: 'data.terraform.deny', 'enforcement-level': 'mandatory' })).expect(201);
      assert.deepEqual([opa.body.data.attributes.kind, opa.body.data.attributes.query], ['opa', 'data.terraform.deny']);
    });

    it('a policy set: policies and workspaces added and removed, counts follow, a deleted policy drops out', async () => {
      const w = await seed();
      const p1 = await newPolicy(w, 'p1');
      const p2 = await newPolicy(w, 'p2');
      const ws = await createWorkspace(w, 'app', w.tokens.carol);
      const set = (await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'base' }, { policies: many('policies', [p1.id]) })).expect(201)).body.data;
      assert.match(set.id, /^polset-[A-Za-z0-9]{16}$/);
      assert.deepEqual([set.attributes['policy-count'], set.attributes['workspace-count'], set.attributes.global], [1, 0, false]);
      await w.api('post', `/api/v2/policy-sets/${set.id}/relationships/policies`, w.tokens.carol, many('policies', [p2.id])).expect(204);
      await w.api('post', `/api/v2/policy-sets/${set.id}/relationships/workspaces`, w.tokens.carol, many('workspaces', [ws])).expect(204);
      let read = (await w.api('get', `/api/v2/policy-sets/${set.id}`, w.tokens.alice).expect(200)).body.data;
      assert.deepEqual([read.attributes['policy-count'], read.attributes['workspace-count']], [2, 1]);
      assert.deepEqual(read.relationships.workspaces.data, [{ id: ws, type: 'workspaces' }]);
      assert.equal((await w.api('get', `/api/v2/policies/${p1.id}`, w.tokens.carol)).body.data.attributes['policy-set-count'], 1);
      await w.api('delete', `/api/v2/policy-sets/${set.id}/relationships/workspaces`, w.tokens.carol, many('workspaces', [ws])).expect(204);
      await w.api('delete', `/api/v2/policies/${p2.id}`, w.tokens.carol).expect(204);
      read = (await w.api('get', `/api/v2/policy-sets/${set.id}`, w.tokens.carol).expect(200)).body.data;
      assert.deepEqual([read.attributes['policy-count'], read.attributes['workspace-count']], [1, 0]);
      const missing = await w.api('post', `/api/v2/policy-sets/${set.id}/relationships/policies`, w.tokens.carol, many('policies', ['pol-doesnotexist0000'])).expect(422);
      assert.equal(errorOf(missing).detail, 'Policy pol-doesnotexist0000 was not found in this organization');
      const empty = await w.api('post', `/api/v2/policy-sets/${set.id}/relationships/workspaces`, w.tokens.carol, many('workspaces', [])).expect(422);
      assert.equal(errorOf(empty).detail, 'data must name at least one workspace');
      const dup = await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'Base' })).expect(422);
      assert.equal(errorOf(dup).detail, 'Name has already been taken');
      const renamed = (await w.api('patch', `/api/v2/policy-sets/${set.id}`, w.tokens.carol, setBody({ name: 'renamed', description: 'd', global: true })).expect(200)).body.data;
      assert.deepEqual([renamed.attributes.name, renamed.attributes.description, renamed.attributes.global], ['renamed', 'd', true]);
      await w.api('delete', `/api/v2/policy-sets/${set.id}`, w.tokens.carol).expect(204);
      await w.api('get', `/api/v2/policy-sets/${set.id}`, w.tokens.carol).expect(404);
    });

    it('a sensitive policy set parameter value is never returned, and cannot become non-sensitive', async () => {
      const w = await seed();
      const set = (await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'params' })).expect(201)).body.data;
      const base = `/api/v2/policy-sets/${set.id}/parameters`;
      const created = await w.api('post', base, w.tokens.carol, { data: { type: 'vars', attributes: { key: 'token', value: 'hunter2', category: 'policy-set', sensitive: true } } }).expect(201);
      assert.equal(created.body.data.attributes.value, null);
      assert.deepEqual(created.body.data.relationships.configurable.data, { id: set.id, type: 'policy-sets' });
      const plain = (await w.api('post', base, w.tokens.carol, { data: { type: 'vars', attributes: { key: 'region', value: 'eu', category: 'policy-set' } } }).expect(201)).body.data;
      assert.equal(plain.attributes.value, 'eu');
      const list = await w.api('get', base, w.tokens.carol).expect(200);
      const read = await w.api('get', `${base}/${created.body.data.id}`, w.tokens.carol).expect(200);
      for (const text of [created.text, list.text, read.text]) assert.ok(!text.includes('hunter2'), text);
      const back = await w.api('patch', `${base}/${created.body.data.id}`, w.tokens.carol, { data: { type: 'vars', attributes: { sensitive: false } } }).expect(422);
      assert.equal(errorOf(back).detail, 'a sensitive parameter cannot be made non-sensitive; delete it and create it again');
      const badCategory = await w.api('post', base, w.tokens.carol, { data: { type: 'vars', attributes: { key: 'x', category: 'terraform' } } }).expect(422);
      assert.equal(errorOf(badCategory).detail, 'data.attributes.category: category must be "policy-set"');
      const dupKey = await w.api('post', base, w.tokens.carol, { data: { type: 'vars', attributes: { key: 'region', category: 'policy-set' } } }).expect(422);
      assert.equal(errorOf(dupKey).detail, 'Key has already been taken');
      await w.api('delete', `${base}/${plain.id}`, w.tokens.carol).expect(204);
      await w.api('get', `${base}/${plain.id}`, w.tokens.carol).expect(404);
    });

    it('a run on a workspace a policy set applies to passes through a policy check: passed, soft_failed held until overridden, hard_failed errors the run', async () => {
      const w = await seed();
      const ws = await createWorkspace(w, 'checked', w.tokens.carol);
      const good = await newPolicy(w, 'good', 'hard-mandatory');
      await upload(w, good.id, 'main = rule { true }');
      await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'attached' }, { policies: many('policies', [good.id]), workspaces: many('workspaces', [ws]) })).expect(201);
      await uploadedCv(w, ws, w.tokens.carol);

      const passed = await queue(w, ws, w.tokens.carol);
      await w.settle();
      let run = (await w.api('get', `/api/v2/runs/${passed.id}`, w.tokens.carol).expect(200)).body.data;
      assert.equal(run.attributes.status, 'policy_checked');
      assert.ok(run.attributes['status-timestamps']['policy-checking-at']);
      assert.equal(run.attributes.actions['is-confirmable'], true);
      const [checkRef] = run.relationships['policy-checks'].data;
      const check = (await w.api('get', `/api/v2/policy-checks/${checkRef.id}`, w.tokens.carol).expect(200)).body.data;
      assert.match(check.id, /^polchk-[A-Za-z0-9]{16}$/);
      assert.deepEqual([check.attributes.status, check.attributes.scope, check.attributes.result.passed, check.attributes.permissions['can-override']], ['passed', 'organization', 1, true]);
      assert.match((await w.api('get', `/api/v2/policy-checks/${check.id}/output`, w.tokens.carol).expect(200)).text, /1 policies evaluated/);
      const notOverridable = await w.api('post', `/api/v2/policy-checks/${check.id}/actions/override`, w.tokens.carol).expect(409);
      assert.equal(errorOf(notOverridable).detail, 'the policy check is passed; only a soft_failed check can be overridden');
      await w.api('post', `/api/v2/runs/${passed.id}/actions/apply`, w.tokens.carol, {}).expect(202);
      await w.settle();

      // A global set with a soft-mandatory policy marked to fail.
      const soft = await newPolicy(w, 'soft', 'soft-mandatory');
      await upload(w, soft.id, '# samlgate: fail\nmain = rule { true }');
      const globalSet = (await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'everywhere', global: true }, { policies: many('policies', [soft.id]) })).expect(201)).body.data;
      const held = await queue(w, ws, w.tokens.carol);
      await w.settle();
      run = (await w.api('get', `/api/v2/runs/${held.id}`, w.tokens.carol).expect(200)).body.data;
      assert.equal(run.attributes.status, 'policy_override');
      const softCheck = (await w.api('get', `/api/v2/runs/${held.id}/policy-checks`, w.tokens.carol).expect(200)).body.data[0];
      assert.deepEqual([softCheck.attributes.status, softCheck.attributes.result['soft-failed'], softCheck.attributes.result.passed, softCheck.attributes.actions['is-overridable']], ['soft_failed', 1, 1, true]);
      // Plain members read the check but may not override it (404, T7).
      const seen = (await w.api('get', `/api/v2/policy-checks/${softCheck.id}`, w.tokens.alice).expect(200)).body.data;
      assert.equal(seen.attributes.permissions['can-override'], false);
      await w.api('post', `/api/v2/policy-checks/${softCheck.id}/actions/override`, w.tokens.alice).expect(404);
      const overridden = (await w.api('post', `/api/v2/policy-checks/${softCheck.id}/actions/override`, w.tokens.carol).expect(200)).body.data;
      assert.equal(overridden.attributes.status, 'overridden');
      assert.equal((await w.api('get', `/api/v2/runs/${held.id}`, w.tokens.carol)).body.data.attributes.status, 'policy_checked');
      await w.api('post', `/api/v2/runs/${held.id}/actions/discard`, w.tokens.carol, {}).expect(202);
      await w.settle();

      // The same failing code at hard-mandatory ends the run errored.
      await w.api('patch', `/api/v2/policies/${soft.id}`, w.tokens.carol, policyBody({ 'enforcement-level': 'hard-mandatory' })).expect(200);
      const hard = await queue(w, ws, w.tokens.carol);
      await w.settle();
      run = (await w.api('get', `/api/v2/runs/${hard.id}`, w.tokens.carol).expect(200)).body.data;
      assert.equal(run.attributes.status, 'errored');
      const hardCheck = (await w.api('get', `/api/v2/runs/${hard.id}/policy-checks`, w.tokens.carol)).body.data[0];
      assert.deepEqual([hardCheck.attributes.status, hardCheck.attributes.result['hard-failed']], ['hard_failed', 1]);

      // Without any policy set applying, a run plans as before (no check).
      await w.api('delete', `/api/v2/policy-sets/${globalSet.id}`, w.tokens.carol).expect(204);
      const other = await createWorkspace(w, 'unchecked', w.tokens.carol);
      await uploadedCv(w, other, w.tokens.carol);
      const plain = await queue(w, other, w.tokens.carol);
      await w.settle();
      run = (await w.api('get', `/api/v2/runs/${plain.id}`, w.tokens.carol)).body.data;
      assert.equal(run.attributes.status, 'cost_estimated');
      assert.deepEqual(run.relationships['policy-checks'].data, []);
    });
  });
}

/** TFE: the organization token manages policies (it can do everything an owners-team token can at organization level but manage teams). */
const ORG_TOKEN_MAY = true;

describe('policy code upload and auto-apply through a check', () => {
  it('policy code that is not UTF-8 is refused with a 422 that says so, and the stored code is unchanged', async () => {
    const w = await seedWorkspaceWorld();
    const p = await newPolicy(w, 'bytes');
    await upload(w, p.id, 'main = rule { true }');
    const res = await w.api('put', `/api/v2/policies/${p.id}/upload`, w.tokens.carol).set('Content-Type', 'application/octet-stream').send(Buffer.from([0xff, 0xfe, 0x00])).expect(422);
    assert.equal(errorOf(res).detail, 'policy code must be UTF-8 text (Sentinel or Rego source)');
    assert.equal((await w.api('get', `/api/v2/policies/${p.id}/download`, w.tokens.carol).expect(200)).text, 'main = rule { true }');
  });

  it('only a caller with manage-policies uploads code: a plain member gets 404 and the code stays', async () => {
    const w = await seedWorkspaceWorld();
    const p = await newPolicy(w, 'guarded');
    await upload(w, p.id, 'main = rule { true }');
    await w.api('put', `/api/v2/policies/${p.id}/upload`, w.tokens.alice).set('Content-Type', 'application/octet-stream').send(Buffer.from('# samlgate: fail')).expect(404);
    await w.api('delete', `/api/v2/policies/${p.id}`, w.tokens.developers).expect(404);
    assert.equal((await w.api('get', `/api/v2/policies/${p.id}/download`, w.tokens.alice).expect(200)).text, 'main = rule { true }');
  });

  it('an auto-apply run whose policy check passes applies on its own', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'auto', w.tokens.carol);
    const p = await newPolicy(w, 'ok', 'hard-mandatory');
    await upload(w, p.id, 'main = rule { true }');
    await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'all', global: true }, { policies: many('policies', [p.id]) })).expect(201);
    await uploadedCv(w, ws, w.tokens.carol);
    const run = await queue(w, ws, w.tokens.carol, { 'auto-apply': true });
    await w.settle();
    const read = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.carol)).body.data;
    assert.equal(read.attributes.status, 'applied');
    assert.ok(read.attributes['status-timestamps']['policy-checked-at']);
  });
});

describe('the plan-finished hook', () => {
  it('a plan step retried after a lost compare-and-set records one policy check, not two', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'retry', w.tokens.carol);
    const p = await newPolicy(w, 'once');
    await w.api('post', `/api/v2/organizations/${w.org.name}/policy-sets`, w.tokens.carol, setBody({ name: 'g', global: true }, { policies: many('policies', [p.id]) })).expect(201);
    await uploadedCv(w, ws, w.tokens.carol);
    const queued = await queue(w, ws, w.tokens.carol);
    const run = (await w.h.store.runs.get(queued.id))!;
    const first = await afterPlan(w.h.store, run, { status: 'planned' }, w.h.clock.now());
    const second = await afterPlan(w.h.store, run, { status: 'planned' }, w.h.clock.now());
    assert.equal(first.status, 'policy_checked');
    assert.equal(second.status, 'policy_checked');
    assert.equal((await checksOfRun(w.h.store, run)).length, 1);
  });
});

describe('can-update-sentinel truth rows', () => {
  it('the organization flag equals whether POST /organizations/:name/policies is allowed, for every principal', async () => {
    const w = await seedWorkspaceWorld();
    // A team with manage-policies and its token, made through the API as an owner would.
    const team = (await w.api('post', `/api/v2/organizations/${w.org.name}/teams`, w.tokens.carol, { data: { type: 'teams', attributes: { name: 'policy-admins', 'organization-access': { 'manage-policies': true } } } }).expect(201)).body.data;
    const teamToken = (await w.api('post', `/api/v2/teams/${team.id}/authentication-token`, w.tokens.carol, { data: { type: 'authentication-tokens' } }).expect(201)).body.data.attributes.token as string;
    // The expected column keeps the rows from passing vacuously (every call refused, every flag false).
    const rows: [string, string, boolean][] = [
      ['owner user', w.tokens.carol, true],
      ['plain member (developers)', w.tokens.alice, false],
      ['team token without manage-policies (developers)', w.tokens.developers, false],
      ['team token without organization access (contractors)', w.tokens.contractors, false],
      ['team token with manage-policies', teamToken, true],
      ['owners team token', w.tokens.owners, true],
      ['organization token', w.tokens.organization, ORG_TOKEN_MAY],
    ];
    let n = 0;
    for (const [who, secret, expected] of rows) {
      const org = await w.api('get', `/api/v2/organizations/${w.org.name}`, secret);
      const flag = org.status === 200 ? org.body.data.attributes.permissions['can-update-sentinel'] : false;
      const res = await w.api('post', `/api/v2/organizations/${w.org.name}/policies`, secret, policyBody({ name: `truth-${n++}`, 'enforcement-level': 'advisory' }));
      assert.ok(res.status === 201 || res.status === 404, `${who}: ${res.status} ${res.text}`);
      assert.equal(res.status === 201, flag, `${who}: can-update-sentinel is ${flag} but creating a policy answered ${res.status}`);
      assert.equal(flag, expected, `${who}: can-update-sentinel`);
    }
  });
});
