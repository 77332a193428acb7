/** The workspaces section's store contract against the SQLite store, on a real file (migration 2, foreign keys, cascades). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { defaultSettings } from '../../src/tfe/workspaces.ts';
import { workspacesContract } from './workspaces-contract.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-sqlite-workspaces-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

workspacesContract('sqlite', async () => createSqliteStore(path.join(dir, `gateway-${++n}.db`)));

it('two connections on one file (two gateway processes): one run starts, one lock wins', async () => {
  const file = path.join(dir, 'shared.db');
  const a = createSqliteStore(file);
  const b = createSqliteStore(file);
  try {
    const now = Date.UTC(2026, 0, 1);
    const org = { id: 'org-shared0000000001', name: 'shared', email: 'a@x', createdAt: now, sessionTimeoutMinutes: 1, sessionRememberMinutes: 1, ownersTeamSamlRoleId: null, attributes: {} };
    await a.organizations.create(org, { id: 'team-shared000000001', organizationId: org.id, name: 'owners', ssoTeamId: null, visibility: 'organization', organizationAccess: {}, allowMemberTokenManagement: true, isOwners: true, createdAt: now }, null);
    await a.workspaces.create({ id: 'ws-shared00000000001', organizationId: org.id, name: 'w', createdAt: now, updatedAt: now, settings: defaultSettings(), lockedBy: null, lockReason: null, currentRunId: null, currentStateVersionId: null });
    const phase = (id: string) => ({ id, status: 'pending' as const, statusTimestamps: {}, resourceAdditions: 0, resourceChanges: 0, resourceDestructions: 0, log: '' });
    const run = (n: number) => ({
      id: `run-shared0000000${n}`, workspaceId: 'ws-shared00000000001', configurationVersionId: 'cv-x', status: 'pending' as const, statusTimestamps: {}, message: '', source: 'tfe-api', isDestroy: false, refresh: true, refreshOnly: false,
      planOnly: false, autoApply: false, targetAddrs: null, replaceAddrs: null, hasChanges: false, createdAt: now, createdBy: null, canceledAt: null, forceCancelAvailableAt: null, plan: phase(`plan-shared000000${n}`), apply: phase(`apply-shared00000${n}`),
    });
    const [r1, r2] = await Promise.all([a.runs.enqueue(run(1)), b.runs.enqueue(run(2))]);
    assert.deepEqual([r1.status, r2.status], ['plan_queued', 'pending']);
    const locks = await Promise.all([a.workspaces.lock('ws-shared00000000001', { kind: 'user', id: 'u1' }, null), b.workspaces.lock('ws-shared00000000001', { kind: 'user', id: 'u2' }, null)]);
    assert.deepEqual(locks.map((l) => l.ok), [true, false]);
    assert.deepEqual((await b.workspaces.get('ws-shared00000000001'))!.lockedBy, { kind: 'user', id: 'u1' });
  } finally {
    await a.close();
    await b.close();
  }
});
