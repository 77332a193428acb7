/**
 * The permissions object never lies (issue 16): for every principal type and every organization
 * permission key that has an endpoint, the flag in GET /api/v2/organizations/:name `permissions`
 * equals whether the matching real call is allowed (2xx) or refused (404, rule T7). Keys without
 * an endpoint are in REPORTED_NOT_ENFORCED with the reason, and docs/api.md lists exactly those.
 *
 * Adding a family: add ONE entry to PROBES (and remove its key from REPORTED_NOT_ENFORCED and from
 * the docs list). A probe makes the real call with fresh names, so it can be repeated.
 *
 * Each principal gets its own world (harness): can-destroy deletes the organization when allowed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { randomIds } from '../../src/ids.ts';
import { ORGANIZATION_ACCESS_FLAGS } from '../../src/tfe/organizations.ts';
import { ORGANIZATION_PERMISSION_KEYS, type OrganizationPermissionKey } from '../../src/tfe/organization-permissions.ts';
import type { TeamRecord } from '../../src/store/types.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { storeToken } from '../support/workspaces.ts';

export interface ProbeContext {
  org: string;
  /** A name no earlier probe used. */
  fresh(prefix: string): string;
  call(method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown): request.Test;
}
/** Performs the call the key promises; returns the response (2xx = allowed, 404 = refused). */
export type Probe = (c: ProbeContext) => request.Test | Promise<request.Test | request.Response>;

const org = (c: ProbeContext) => `/api/v2/organizations/${encodeURIComponent(c.org)}`;
const createWorkspaceProbe: Probe = (c) => c.call('post', `${org(c)}/workspaces`, { data: { type: 'workspaces', attributes: { name: c.fresh('ws') } } });

/** One entry per key that has an endpoint. Families add their row here. */
export const PROBES: Partial<Record<OrganizationPermissionKey, Probe>> = {
  'can-traverse': (c) => c.call('get', org(c)),
  'can-update': (c) => c.call('patch', org(c), { data: { type: 'organizations', attributes: { email: `${c.fresh('mail')}@example.com` } } }),
  // The authentication settings are changed through the same PATCH (session limits, T6).
  'can-update-authentication': async (c) => {
    const current = (await c.call('get', `/api/v2/organizations/${encodeURIComponent(c.org)}`)).body?.data?.attributes?.['session-timeout'] ?? 20160;
    return c.call('patch', org(c), { data: { type: 'organizations', attributes: { 'session-timeout': current } } });
  },
  'can-create-team': (c) => c.call('post', `${org(c)}/teams`, { data: { type: 'teams', attributes: { name: c.fresh('team') } } }),
  'can-create-workspace': createWorkspaceProbe,
  'can-create-workspace-migration': createWorkspaceProbe,
  'can-manage-users': (c) => c.call('post', `${org(c)}/organization-memberships`, { data: { type: 'organization-memberships', attributes: { email: `${c.fresh('invitee')}@example.com` } } }),
  // Reading the organization token is the non-destructive form of managing it (POST regenerates
  // it, DELETE revokes it: same action, organization:manage-token).
  'can-update-api-token': (c) => c.call('get', `${org(c)}/authentication-token`),
  'can-manage-varsets': (c) => c.call('post', `${org(c)}/varsets`, { data: { type: 'varsets', attributes: { name: c.fresh('varset') } } }),
  'can-read-varsets': (c) => c.call('get', `${org(c)}/varsets`),
  // Deleting a tag no workspace carries changes nothing, so the probe can repeat.
  'can-manage-tags': (c) => c.call('delete', `${org(c)}/tags`, { data: [{ type: 'tags', id: `tag-${c.fresh('none')}` }] }),
  'can-create-project': (c) => c.call('post', `${org(c)}/projects`, { data: { type: 'projects', attributes: { name: c.fresh('prj') } } }),
  'can-update-sentinel': (c) => c.call('post', `${org(c)}/policies`, { data: { type: 'policies', attributes: { name: c.fresh('pol'), 'enforcement-level': 'advisory' } } }),
  'can-update-ssh-keys': (c) => c.call('post', `${org(c)}/ssh-keys`, { data: { type: 'ssh-keys', attributes: { name: c.fresh('key'), value: 'a private key' } } }),
  'can-update-agent-pools': (c) => c.call('post', `${org(c)}/agent-pools`, { data: { type: 'agent-pools', attributes: { name: c.fresh('pool') } } }),
  'can-create-module': (c) => c.call('post', `${org(c)}/registry-modules`, { data: { type: 'registry-modules', attributes: { name: c.fresh('mod'), provider: 'aws' } } }),
  'can-create-provider': (c) => c.call('post', `${org(c)}/registry-providers`, { data: { type: 'registry-providers', attributes: { name: c.fresh('prov') } } }),
  // Destroys the organization when allowed: the principal's world ends here (run last).
  'can-destroy': (c) => c.call('delete', org(c)),
};

/** Keys with no endpoint in samlgate (yet), and why the flag is still reported. */
export const REPORTED_NOT_ENFORCED: Partial<Record<OrganizationPermissionKey, string>> = {
  'can-access-via-teams': 'a fact about the caller (reaches the organization through a team), not an action',
  'can-manage-public-modules': 'no public registry in samlgate',
  'can-manage-org-public-modules': 'no public registry in samlgate',
  'can-manage-no-code-modules': 'no-code modules are not modelled',
  'can-deploy-no-code-modules': 'no-code modules are not modelled',
  'can-manage-public-providers': 'no public registry in samlgate',
  'can-manage-custom-providers': 'no public registry in samlgate',
  'can-manage-org-public-providers': 'no public registry in samlgate',
  'can-manage-subscription': 'no subscription or billing in samlgate',
  'can-view-subscription': 'no subscription or billing in samlgate (the entitlement set is readable by every member)',
  'can-manage-sso': 'SAML settings are site-wide (admin API), not per organization',
  'can-update-oauth': 'no VCS OAuth clients in samlgate',
  'can-view-usage': 'no usage reports in samlgate',
  'can-manage-run-tasks': 'run tasks are not modelled',
  'can-read-run-tasks': 'run tasks are not modelled',
  'can-enable-stacks': 'Stacks are not modelled (false for everyone, as in TFE\'s owner example)',
  'can-create-change-requests': 'change requests are not modelled (false for everyone, as in TFE\'s owner example)',
  'can-manage-assessments': 'health assessments are not modelled',
  'can-read-assessments': 'health assessments are not modelled',
  'can-view-explorer': 'the explorer is not modelled',
  'can-manage-saved-views': 'explorer saved views are not modelled',
  'can-read-saved-views': 'explorer saved views are not modelled',
};

type Flag = (typeof ORGANIZATION_ACCESS_FLAGS)[number];
type PrincipalSpec =
  | { kind: 'user'; label: string; owners?: boolean; flag?: Flag }
  | { kind: 'team-token'; label: string; owners?: boolean; flag?: Flag }
  | { kind: 'organization-token'; label: string }
  | { kind: 'outsider'; label: string };

const PRINCIPALS: PrincipalSpec[] = [
  { kind: 'user', label: 'owner (user in owners)', owners: true },
  { kind: 'user', label: 'plain member (team without organization access)' },
  ...ORGANIZATION_ACCESS_FLAGS.map((flag): PrincipalSpec => ({ kind: 'user', label: `member of a ${flag} team`, flag })),
  { kind: 'team-token', label: 'owners team token', owners: true },
  { kind: 'team-token', label: 'team token without organization access' },
  ...ORGANIZATION_ACCESS_FLAGS.map((flag): PrincipalSpec => ({ kind: 'team-token', label: `team token with ${flag}`, flag })),
  { kind: 'organization-token', label: 'organization token' },
  { kind: 'outsider', label: 'outsider (signed-in user in no team, no membership)' },
];

/** A fresh world with exactly one principal in it; returns its bearer secret. */
async function worldFor(spec: PrincipalSpec): Promise<{ h: Harness; orgName: string; secret: string }> {
  const h = await createHarness();
  h.gateway.close();
  // The first login bootstraps the embedded organization; alice is the user principal when one is probed.
  const alice = await h.login('alice');
  const o = (await h.store.organizations.getByName(h.config.gateway.organization))!;
  // The organization token exists in every world (can-update-api-token's probe reads it).
  const organizationToken = await storeToken(h, 'organization', o.id, true);
  if (spec.kind === 'organization-token') return { h, orgName: o.name, secret: organizationToken };
  if (spec.kind === 'outsider') {
    for (const t of await h.store.teams.teamsOfUser(alice.userId)) await h.store.teams.removeMembers(t.id, [alice.userId]);
    for (const m of await h.store.orgMemberships.listByUser(alice.userId)) await h.store.orgMemberships.delete(m.id);
    return { h, orgName: o.name, secret: (await alice.createToken()).secret };
  }
  let team: TeamRecord;
  if (spec.owners) team = (await h.store.teams.getOwners(o.id))!;
  else {
    team = {
      id: `team-${randomIds.random(16)}`,
      organizationId: o.id,
      name: 'probed',
      ssoTeamId: null,
      visibility: 'organization',
      organizationAccess: spec.flag ? { [spec.flag]: true } : {},
      allowMemberTokenManagement: true,
      isOwners: false,
      createdAt: h.clock.now(),
    };
    await h.store.teams.create(team);
  }
  if (spec.kind === 'team-token') return { h, orgName: o.name, secret: await storeToken(h, 'team', team.id, true) };
  // alice is not a site admin; she is put in the probed team only (her IdP MemberOf is not synced here).
  for (const t of await h.store.teams.teamsOfUser(alice.userId)) if (t.id !== team.id) await h.store.teams.removeMembers(t.id, [alice.userId]);
  await h.store.teams.addMembers(team.id, [alice.userId]);
  return { h, orgName: o.name, secret: (await alice.createToken()).secret };
}

const PROBE_ORDER = (Object.keys(PROBES) as OrganizationPermissionKey[]).sort((a, b) => Number(a === 'can-destroy') - Number(b === 'can-destroy'));

describe('the organization permissions object tells the truth', () => {
  it('every permission key has a probe or a documented reason (never both, never neither)', () => {
    for (const key of Object.keys(ORGANIZATION_PERMISSION_KEYS) as OrganizationPermissionKey[]) {
      const probed = PROBES[key] !== undefined;
      const excused = REPORTED_NOT_ENFORCED[key] !== undefined;
      assert.ok(probed !== excused, `${key}: ${probed ? 'has a probe AND is listed as not enforced' : 'has neither a probe nor a reason'}`);
    }
    for (const key of [...Object.keys(PROBES), ...Object.keys(REPORTED_NOT_ENFORCED)]) assert.ok(key in ORGANIZATION_PERMISSION_KEYS, `${key} is not a permission key`);
  });

  it('docs/api.md lists exactly the keys reported, not enforced', () => {
    const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const start = doc.indexOf('## What the permissions object promises');
    assert.ok(start >= 0, 'docs/api.md has a "## What the permissions object promises" section');
    const rest = doc.slice(start);
    const section = rest.slice(0, rest.indexOf('\n## ', 3) > 0 ? rest.indexOf('\n## ', 3) : undefined);
    const listStart = section.indexOf('### Reported, not enforced');
    assert.ok(listStart >= 0, 'the section has a "### Reported, not enforced" list');
    const listed = [...section.slice(listStart).matchAll(/^- `(can-[a-z-]+)`/gm)].map((m) => m[1]).sort();
    assert.deepEqual(listed, Object.keys(REPORTED_NOT_ENFORCED).sort());
  });

  const seen = new Map<OrganizationPermissionKey, { allowed: string[]; refused: string[] }>();
  for (const spec of PRINCIPALS) {
    it(`${spec.label}: each probed flag equals whether its call is allowed`, async () => {
      const { h, orgName, secret } = await worldFor(spec);
      let n = 0;
      const c: ProbeContext = {
        org: orgName,
        fresh: (prefix) => `${prefix}-${++n}-${randomIds.random(6).toLowerCase()}`,
        call: (method, path, body) => {
          let t = request(h.gateway.app)[method](path).set('Accept', 'application/vnd.api+json').set('Authorization', `Bearer ${secret}`);
          if (body !== undefined) t = t.set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(body));
          return t;
        },
      };
      const shown = await c.call('get', `/api/v2/organizations/${encodeURIComponent(orgName)}`);
      assert.ok(shown.status === 200 || shown.status === 404, `GET organization answered ${shown.status}`);
      // An organization the caller cannot see (T7's 404) promises nothing: every flag is false.
      const permissions = (shown.status === 200 ? shown.body.data.attributes.permissions : {}) as Partial<Record<OrganizationPermissionKey, boolean>>;
      const mismatches: string[] = [];
      for (const key of PROBE_ORDER) {
        const res = await PROBES[key]!(c);
        assert.ok(res.status < 300 || res.status === 404, `${spec.label} ${key}: the probe answered ${res.status} (neither allowed nor T7's 404): ${res.text?.slice(0, 300)}`);
        const allowed = res.status < 300;
        const s = seen.get(key) ?? { allowed: [], refused: [] };
        (allowed ? s.allowed : s.refused).push(spec.label);
        seen.set(key, s);
        if (allowed !== (permissions[key] ?? false)) mismatches.push(`${key}: permissions says ${permissions[key]}, the call was ${allowed ? 'allowed' : 'refused'} (${res.status})`);
      }
      assert.deepEqual(mismatches, [], `${spec.label}`);
    });
  }

  it('no probe is vacuous: each is allowed for someone and refused for someone', () => {
    for (const key of PROBE_ORDER) {
      const s = seen.get(key);
      assert.ok(s && s.allowed.length > 0, `${key} was allowed for no principal`);
      assert.ok(s.refused.length > 0, `${key} was refused for no principal`);
    }
  });
});
