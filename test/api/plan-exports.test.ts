/**
 * Plan exports: a finished plan exported as a simulated Sentinel mock bundle, pending until read
 * then finished, downloaded through a capability URL (no token; the URL is the permission),
 * deleted; refused (404) below sentinel-mocks read; every bad body a 422 naming the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createWorkspace, grant, localPath, queue, seedWorkspaceWorld, uploadedCv, type Seeded } from '../support/workspaces.ts';

const exportBody = (planId: string | null, dataType: unknown = 'sentinel-mock-bundle-v0') => ({
  data: { type: 'plan-exports', attributes: { 'data-type': dataType }, relationships: { plan: { data: planId === null ? null : { type: 'plans', id: planId } } } },
});

async function plannedRun(w: Seeded, name: string) {
  const ws = await createWorkspace(w, name, w.tokens.owners);
  await uploadedCv(w, ws, w.tokens.owners);
  const run = await queue(w, ws, w.tokens.owners);
  await w.settle();
  return { ws, runId: run.id, planId: run.relationships.plan!.data.id };
}

/** The names of the files in a tar archive. */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString('ascii').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    names.push(name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function lifecycle(store?: Store) {
  const w = await seedWorkspaceWorld({}, { store });
  const { planId } = await plannedRun(w, 'exported');
  const created = (await w.api('post', '/api/v2/plan-exports', w.tokens.owners, exportBody(planId)).expect(201)).body.data;
  assert.match(created.id, /^pe-[A-Za-z0-9]{16}$/);
  assert.deepEqual([created.attributes['data-type'], created.attributes.status, created.links.download], ['sentinel-mock-bundle-v0', 'pending', null]);
  assert.deepEqual(created.relationships.plan.data, { id: planId, type: 'plans' });
  const read = (await w.api('get', `/api/v2/plan-exports/${created.id}`, w.tokens.owners).expect(200)).body.data;
  assert.equal(read.attributes.status, 'finished');
  assert.ok(read.attributes['status-timestamps']['finished-at']);
  const redirect = await w.api('get', `/api/v2/plan-exports/${created.id}/download`, w.tokens.owners).expect(302);
  assert.equal(redirect.headers['cache-control'], 'no-store');
  const bundle = await w.api('get', localPath(redirect.headers.location!), null).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  }).expect(200);
  assert.equal(bundle.headers['content-type'], 'application/x-gzip');
  const names = tarNames(gunzipSync(bundle.body as Buffer));
  assert.deepEqual(names, ['sentinel.hcl', 'mock-tfplan-v2.sentinel', 'mock-tfrun.sentinel']);
  // A tampered URL is refused.
  await w.api('get', localPath(redirect.headers.location!) + 'x', null).expect(404);
  await w.api('delete', `/api/v2/plan-exports/${created.id}`, w.tokens.owners).expect(204);
  await w.api('get', `/api/v2/plan-exports/${created.id}`, w.tokens.owners).expect(404);
  await w.api('delete', `/api/v2/plan-exports/${created.id}`, w.tokens.owners).expect(404);
}

describe('plan exports', () => {
  it('create (pending), read (finished), download a tar.gz mock bundle via a capability URL, delete', () => lifecycle());

  it('the same on the SQLite store', () => lifecycle(createSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'pe-')), 'gateway.db'))));

  it('bad bodies are 422s naming the field; an unfinished plan cannot be exported', async () => {
    const w = await seedWorkspaceWorld();
    const { planId, ws } = await plannedRun(w, 'bad');
    const check = async (body: unknown, pointer: string, detail: string) => {
      const res = await w.api('post', '/api/v2/plan-exports', w.tokens.owners, body).expect(422);
      assert.deepEqual([res.body.errors[0].source.pointer, res.body.errors[0].detail], [pointer, detail]);
    };
    await check(exportBody(planId, null), '/data/attributes/data-type', "Data type can't be blank (the one data type is sentinel-mock-bundle-v0)");
    await check(exportBody(planId, 'json'), '/data/attributes/data-type', 'Data type "json" is not supported (the one data type is sentinel-mock-bundle-v0)');
    await check(exportBody(null), '/data/attributes/plan', "Plan can't be blank: send relationships.plan.data.id");
    const pending = await queue(w, ws, w.tokens.owners);
    const pendingPlan = pending.relationships.plan!.data.id;
    const res = await w.api('post', '/api/v2/plan-exports', w.tokens.owners, exportBody(pendingPlan)).expect(422);
    assert.match(res.body.errors[0].detail, new RegExp(`^plan ${pendingPlan} is \\w+; only a finished plan can be exported$`));
    await w.api('post', '/api/v2/plan-exports', w.tokens.owners, exportBody('plan-doesnotexist0000')).expect(404);
  });

  it('who may: admin and sentinel-mocks read (write access) export; plan access and no access get 404 for the export and its download', async () => {
    const w = await seedWorkspaceWorld();
    const { ws, planId } = await plannedRun(w, 'who');
    const pe = (await w.api('post', '/api/v2/plan-exports', w.tokens.owners, exportBody(planId)).expect(201)).body.data;
    await w.api('post', '/api/v2/plan-exports', w.tokens.contractors, exportBody(planId)).expect(404);
    await w.api('get', `/api/v2/plan-exports/${pe.id}`, w.tokens.contractors).expect(404);
    await grant(w, w.contractors.id, ws, 'plan');
    await w.api('post', '/api/v2/plan-exports', w.tokens.contractors, exportBody(planId)).expect(404);
    await w.api('get', `/api/v2/plan-exports/${pe.id}/download`, w.tokens.contractors).expect(404);
    await w.api('delete', `/api/v2/plan-exports/${pe.id}`, w.tokens.contractors).expect(404);
    const ws2 = await createWorkspace(w, 'who-write', w.tokens.owners);
    await grant(w, w.contractors.id, ws2, 'write');
    await uploadedCv(w, ws2, w.tokens.owners);
    const run2 = await queue(w, ws2, w.tokens.owners);
    await w.settle();
    await w.api('post', '/api/v2/plan-exports', w.tokens.contractors, exportBody(run2.relationships.plan!.data.id)).expect(201);
    await w.api('post', '/api/v2/plan-exports', w.tokens.organization, exportBody(planId)).expect(201);
  });
});
