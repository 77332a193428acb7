/**
 * Rule T3, table first: each caller kind (site admin, owner, team member by level, team tokens,
 * the organization token, an outsider) against each workspace action, as TFE's permissions
 * docs describe them. The decision is authorize() itself, the same call every handler makes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessLevel, OrganizationRecord, TeamAccessRecord, TeamRecord, TokenRecord, UserRecord, WorkspaceRecord } from '../../src/store/types.ts';
import { authorize } from '../../src/tfe/authorize.ts';
import type { Principal } from '../../src/tfe/principal.ts';
import { CUSTOM_DEFAULTS, LEVEL_PERMISSIONS, workspacePermissions, type WorkspaceAction } from '../../src/tfe/workspace-access.ts';
import { defaultSettings } from '../../src/tfe/workspaces.ts';

const org: OrganizationRecord = { id: 'org-1', name: 'acme', email: 'a@x', createdAt: 0, sessionTimeoutMinutes: 1, sessionRememberMinutes: 1, ownersTeamSamlRoleId: null, attributes: {} };
const otherOrg: OrganizationRecord = { ...org, id: 'org-2', name: 'other' };
const team = (id: string, o: Partial<TeamRecord> = {}): TeamRecord => ({
  id, organizationId: org.id, name: id, ssoTeamId: null, visibility: 'organization', organizationAccess: {}, allowMemberTokenManagement: true, isOwners: false, createdAt: 0, ...o,
});
const owners = team('owners', { isOwners: true });
const devs = team('devs');
const managers = team('managers', { organizationAccess: { 'manage-workspaces': true } });
const user = (o: Partial<UserRecord> = {}): UserRecord => ({
  id: 'user-1', username: 'u', email: 'u@x', isSiteAdmin: false, isSuspended: false, isServiceAccount: false, serviceAccountSyncedAt: 0, memberOf: [], loginFindings: [], lastLoginAt: 0, createdAt: 0, ...o,
});
const token = (kind: TokenRecord['kind']): TokenRecord => ({ id: 'at-1', kind, ownerId: 'x', description: null, secretHash: '', createdAt: 0, lastUsedAt: null, expiredAt: null, createdById: null, singular: true });
const workspace: WorkspaceRecord = { id: 'ws-1', organizationId: org.id, name: 'app', createdAt: 0, updatedAt: 0, settings: defaultSettings(), lockedBy: null, lockReason: null, currentRunId: null, currentStateVersionId: null };
const access = (teamId: string, level: AccessLevel, custom: Partial<TeamAccessRecord> = {}): TeamAccessRecord => ({
  id: `tws-${teamId}`, teamId, workspaceId: workspace.id, access: level, createdAt: 0, ...(level === 'custom' ? CUSTOM_DEFAULTS : LEVEL_PERMISSIONS[level]), ...custom,
});

interface Caller {
  principal: Principal;
  teams: TeamRecord[];
  teamAccess: TeamAccessRecord[];
}
const member = (level: AccessLevel | null, custom?: Partial<TeamAccessRecord>): Caller => ({
  principal: { kind: 'user', via: 'token', user: user(), token: token('user') },
  teams: [devs],
  teamAccess: level ? [access(devs.id, level, custom)] : [],
});
const teamToken = (t: TeamRecord, level: AccessLevel | null): Caller => ({
  principal: { kind: 'team', via: 'token', token: token('team'), team: t, organization: org },
  teams: [t],
  teamAccess: level ? [access(t.id, level)] : [],
});
const CALLERS: Record<string, Caller> = {
  'site admin (no team)': { principal: { kind: 'user', via: 'session', user: user({ isSiteAdmin: true }) }, teams: [], teamAccess: [] },
  'owner (user in owners)': { principal: { kind: 'user', via: 'token', user: user(), token: token('user') }, teams: [owners], teamAccess: [] },
  'owners team token': teamToken(owners, null),
  'manage-workspaces team member': { principal: { kind: 'user', via: 'token', user: user(), token: token('user') }, teams: [managers], teamAccess: [] },
  'organization token': { principal: { kind: 'organization', via: 'token', token: token('organization'), organization: org }, teams: [], teamAccess: [] },
  'other organization token': { principal: { kind: 'organization', via: 'token', token: token('organization'), organization: otherOrg }, teams: [], teamAccess: [] },
  'member, read': member('read'),
  'member, plan': member('plan'),
  'member, write': member('write'),
  'member, admin': member('admin'),
  'member, custom defaults': member('custom'),
  'member, custom runs=apply variables=write': member('custom', { runs: 'apply', variables: 'write' }),
  'member, no access': member(null),
  'team token, write': teamToken(devs, 'write'),
  'team token, plan': teamToken(devs, 'plan'),
  'team token, no access': teamToken(devs, null),
};

const ACTIONS: WorkspaceAction[] = [
  'workspace:read', 'workspace:update', 'workspace:destroy', 'workspace:lock', 'workspace:force-unlock', 'workspace:manage-team-access',
  'workspace:read-variables', 'workspace:manage-variables', 'workspace:read-state', 'workspace:read-state-outputs', 'workspace:create-state-version',
  'workspace:create-configuration-version', 'workspace:queue-run', 'workspace:apply-run', 'workspace:discard-run', 'workspace:cancel-run', 'workspace:force-cancel-run',
];

// One letter per action above: Y allowed, . refused.
//                                              r u d l f t v V s o S c q a x C F
const TABLE: Record<string, string> = {
  'site admin (no team)':                       'Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y',
  'owner (user in owners)':                     'Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y',
  'owners team token':                          'Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y',
  'manage-workspaces team member':              'Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y',
  // T3: manages everything, starts nothing.
  'organization token':                         'Y Y Y Y Y Y Y Y Y Y . . . . . . .',
  'other organization token':                   '. . . . . . . . . . . . . . . . .',
  'member, read':                               'Y . . . . . Y . Y Y . . . . . . .',
  'member, plan':                               'Y . . . . . Y . Y Y . Y Y . . Y .',
  'member, write':                              'Y . . Y . . Y Y Y Y Y Y Y Y Y Y .',
  'member, admin':                              'Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y',
  'member, custom defaults':                    'Y . . . . . . . . . . . . . . . .',
  'member, custom runs=apply variables=write':  'Y . . . . . Y Y . . . Y Y Y Y Y .',
  'member, no access':                          '. . . . . . . . . . . . . . . . .',
  'team token, write':                          'Y . . Y . . Y Y Y Y Y Y Y Y Y Y .',
  'team token, plan':                           'Y . . . . . Y . Y Y . Y Y . . Y .',
  'team token, no access':                      '. . . . . . . . . . . . . . . . .',
};

describe('workspace authorization (rule T3)', () => {
  for (const [name, caller] of Object.entries(CALLERS)) {
    it(`${name}: ${TABLE[name]}`, () => {
      const want = TABLE[name]!.split(' ');
      assert.equal(want.length, ACTIONS.length);
      const got = ACTIONS.map((a) => (authorize({ ...caller, organization: org, workspace }, a) ? 'Y' : '.'));
      assert.deepEqual(Object.fromEntries(ACTIONS.map((a, i) => [a, got[i]])), Object.fromEntries(ACTIONS.map((a, i) => [a, want[i]])));
    });
  }

  it('a user in two teams gets the most permissive of each permission', () => {
    const ops = team('ops');
    const caller: Caller = {
      principal: { kind: 'user', via: 'token', user: user(), token: token('user') },
      teams: [devs, ops],
      teamAccess: [access(devs.id, 'custom', { variables: 'write' }), access(ops.id, 'plan')],
    };
    const facts = { ...caller, organization: org, workspace };
    assert.equal(authorize(facts, 'workspace:manage-variables'), true, 'variables=write from devs');
    assert.equal(authorize(facts, 'workspace:queue-run'), true, 'runs=plan from ops');
    assert.equal(authorize(facts, 'workspace:apply-run'), false, 'nobody grants apply');
  });

  it("team access on another workspace or of another team grants nothing", () => {
    const elsewhere = { ...access(devs.id, 'admin'), workspaceId: 'ws-2' };
    const otherTeam = access('ops', 'admin');
    const facts = { principal: member(null).principal, teams: [devs], teamAccess: [elsewhere, otherTeam], organization: org, workspace };
    assert.equal(authorize(facts, 'workspace:read'), false);
  });

  it('workspace:create: owners, manage-workspaces teams, site admins and the organization token only', () => {
    const create = (c: Caller) => authorize({ ...c, organization: org }, 'workspace:create');
    assert.equal(create(CALLERS['owner (user in owners)']!), true);
    assert.equal(create(CALLERS['organization token']!), true);
    assert.equal(create(CALLERS['manage-workspaces team member']!), true);
    assert.equal(create(CALLERS['site admin (no team)']!), true);
    assert.equal(create(CALLERS['member, admin']!), false);
    assert.equal(create(CALLERS['team token, write']!), false);
    assert.equal(create(CALLERS['other organization token']!), false);
  });

  it('the permissions object says exactly what the decisions allow', () => {
    for (const [name, caller] of Object.entries(CALLERS)) {
      const facts = { ...caller, organization: org, workspace };
      const p = workspacePermissions(facts);
      assert.equal(p['can-queue-run'], authorize(facts, 'workspace:queue-run'), name);
      assert.equal(p['can-queue-apply'], authorize(facts, 'workspace:apply-run'), name);
      assert.equal(p['can-update'], authorize(facts, 'workspace:update'), name);
      assert.equal(p['can-lock'], authorize(facts, 'workspace:lock'), name);
      assert.equal(p['can-update-variable'], authorize(facts, 'workspace:manage-variables'), name);
      assert.equal(p['can-create-state-versions'], authorize(facts, 'workspace:create-state-version'), name);
    }
  });

  it("a team token acts through its own team even when the facts list no teams (the organization stage's factsFor)", () => {
    const t = teamToken(devs, 'write');
    const facts = { ...t, teams: [], organization: org, workspace };
    assert.equal(authorize(facts, 'workspace:apply-run'), true);
    const ownersToken = { ...teamToken(owners, null), teams: [], organization: org, workspace };
    assert.equal(authorize(ownersToken, 'workspace:destroy'), true);
    // ...and never through teams the facts list that are not its own.
    const smuggled = { ...teamToken(devs, null), teams: [owners], organization: org, workspace };
    assert.equal(authorize(smuggled, 'workspace:read'), false);
  });

  it('fails closed without an organization or for a workspace of another organization', () => {
    const c = CALLERS['owner (user in owners)']!;
    assert.equal(authorize({ ...c, workspace }, 'workspace:read'), false);
    assert.equal(authorize({ ...c, organization: org, workspace: { ...workspace, organizationId: 'org-2' } }, 'workspace:read'), false);
  });
});
