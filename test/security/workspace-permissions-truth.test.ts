/**
 * The workspace `permissions` object tells the truth (issue 16): for the owners team's token,
 * the organization token, a team with each workspace access level (read, plan, write, admin) and
 * a team without access, each probed key equals whether its real call is allowed (2xx) or refused
 * (404, T7). A workspace the caller cannot see promises nothing (every flag false). Keys not
 * probed here are listed in docs/api.md ("What the permissions object promises").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspace, grant, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

type Probe = (w: Seeded, ws: string, secret: string, fresh: () => string) => Promise<{ status: number }>;

export const WORKSPACE_PROBES: Record<string, Probe> = {
  'can-read-run': (w, ws, s) => w.api('get', `/api/v2/workspaces/${ws}/runs`, s),
  'can-read-variable': (w, ws, s) => w.api('get', `/api/v2/workspaces/${ws}/vars`, s),
  'can-update-variable': (w, ws, s, fresh) => w.api('post', `/api/v2/workspaces/${ws}/vars`, s, { data: { type: 'vars', attributes: { key: fresh(), value: 'v', category: 'env' } } }),
  'can-update': (w, ws, s, fresh) => w.api('patch', `/api/v2/workspaces/${ws}`, s, { data: { type: 'workspaces', attributes: { description: fresh() } } }),
  'can-manage-tags': (w, ws, s, fresh) => w.api('post', `/api/v2/workspaces/${ws}/relationships/tags`, s, { data: [{ type: 'tags', attributes: { name: fresh() } }] }),
  // Locks, then unlocks again so the probe can repeat.
  'can-lock': async (w, ws, s) => {
    const res = await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, s, { reason: 'probe' });
    if (res.status < 300) await w.api('post', `/api/v2/workspaces/${ws}/actions/unlock`, s).expect(200);
    return res;
  },
  // Ends the world: run last.
  'can-destroy': (w, ws, s) => w.api('delete', `/api/v2/workspaces/${ws}`, s),
};

const PRINCIPALS: Array<[string, (w: Seeded, ws: string) => Promise<string>]> = [
  ['owners team token', async (w) => w.tokens.owners],
  ['organization token', async (w) => w.tokens.organization],
  ['team token without access', async (w) => w.tokens.contractors],
  ...(['read', 'plan', 'write', 'admin'] as const).map((access): [string, (w: Seeded, ws: string) => Promise<string>] => [`team token with ${access} access`, async (w, ws) => {
    await grant(w, w.contractors.id, ws, access);
    return w.tokens.contractors;
  }]),
];

describe('the workspace permissions object tells the truth', () => {
  const seen = new Map<string, Set<boolean>>();
  for (const [label, principal] of PRINCIPALS) {
    it(`${label}: each probed flag equals whether its call is allowed`, async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'probed', w.tokens.owners);
      const secret = await principal(w, ws);
      let n = 0;
      const fresh = () => `probe${++n}`;
      const shown = await w.api('get', `/api/v2/workspaces/${ws}`, secret);
      assert.ok(shown.status === 200 || shown.status === 404, `GET workspace answered ${shown.status}`);
      const permissions: Record<string, boolean> = shown.status === 200 ? shown.body.data.attributes.permissions : {};
      const mismatches: string[] = [];
      for (const [key, probe] of Object.entries(WORKSPACE_PROBES)) {
        const res = await probe(w, ws, secret, fresh);
        assert.ok(res.status < 300 || res.status === 404, `${label} ${key}: answered ${res.status}`);
        const allowed = res.status < 300;
        seen.set(key, (seen.get(key) ?? new Set()).add(allowed));
        if (allowed !== (permissions[key] ?? false)) mismatches.push(`${key}: permissions says ${permissions[key]}, the call was ${allowed ? 'allowed' : 'refused'} (${res.status})`);
      }
      assert.deepEqual(mismatches, [], label);
    });
  }

  it('no probe is vacuous: each is allowed for someone and refused for someone', () => {
    for (const key of Object.keys(WORKSPACE_PROBES)) assert.deepEqual([...(seen.get(key) ?? [])].sort(), [false, true], key);
  });
});
