/**
 * The workspace API on the durable store: the whole flow (workspace, team access, upload, run,
 * apply, state version, v1 read) against SQLite, and a run queued before a restart that carries
 * on after it, since the scheduler picks up every unfinished run from the store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import request from 'supertest';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createHarness } from '../support/harness.ts';
import { createWorkspace, grant, queue, seedWorkspaceWorld, uploadedCv } from '../support/workspaces.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-ws-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('workspaces, runs and state on SQLite, and a run queued before a restart finishes after it', async () => {
  const file = path.join(dir, 'gateway.db');
  const w = await seedWorkspaceWorld({}, { store: createSqliteStore(file) });
  const ws = await createWorkspace(w, 'durable', w.tokens.organization, { 'terraform-version': '1.5.7' });
  await grant(w, w.developers.id, ws, 'write');
  await uploadedCv(w, ws, w.tokens.developers);
  const first = await queue(w, ws, w.tokens.developers);
  await w.settle();
  await w.api('post', `/api/v2/runs/${first.id}/actions/apply`, w.tokens.developers, {}).expect(202);
  await w.settle();
  assert.equal((await w.api('get', `/api/v2/runs/${first.id}`, w.tokens.developers)).body.data.attributes.status, 'applied');

  await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.developers).expect(200);
  const state = Buffer.from('{"version":4,"serial":1,"lineage":"l","outputs":{}}');
  await w.api('post', `/api/v2/workspaces/${ws}/state-versions`, w.tokens.developers, {
    data: { type: 'state-versions', attributes: { serial: 1, md5: createHash('md5').update(state).digest('hex'), state: state.toString('base64') } },
  }).expect(201);
  const v1 = await request(w.h.gateway.app).get(`/api/v1/terraform/state/${w.org.name}/durable`).set('X-Atlas-Token', w.tokens.carol).expect(200);
  assert.equal(v1.text, state.toString());

  // A second run waits; the gateway stops; a new one on the same file carries on.
  const second = await queue(w, ws, w.tokens.developers);
  assert.equal(second.attributes.status, 'plan_queued');
  w.h.gateway.close();
  await w.h.store.close();

  const h2 = await createHarness({}, {}, { store: createSqliteStore(file) });
  h2.gateway.close();
  await h2.gateway.context.runScheduler.settle();
  const after = await request(h2.gateway.app).get(`/api/v2/runs/${second.id}`).set('Authorization', `Bearer ${w.tokens.developers}`).expect(200);
  assert.equal(after.body.data.attributes.status, 'cost_estimated');
  const wsAfter = (await request(h2.gateway.app).get(`/api/v2/workspaces/${ws}`).set('Authorization', `Bearer ${w.tokens.developers}`).expect(200)).body.data;
  assert.deepEqual([wsAfter.attributes.locked, wsAfter.attributes['terraform-version']], [true, '1.5.7']);
  await h2.store.close();
});
