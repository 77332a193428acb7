/** Records for the pure authorization tests: one organization, its teams, users and principals. */
import type { OrganizationRecord, TeamRecord, TokenRecord, UserRecord } from '../../src/store/types.ts';
import type { Principal } from '../../src/tfe/principal.ts';
import { fullOrganizationAccess } from '../../src/tfe/teams.ts';
import type { AuthzFacts } from '../../src/tfe/authorize.ts';

const NOW = Date.parse('2026-01-10T12:00:00Z');

export const org = (o: Partial<OrganizationRecord> = {}): OrganizationRecord => ({
  id: 'org-1', name: 'acme', email: 'ops@acme.test', createdAt: NOW, sessionTimeoutMinutes: 20160, sessionRememberMinutes: 20160, ownersTeamSamlRoleId: null, attributes: {}, ...o,
});
export const OTHER_ORG = org({ id: 'org-2', name: 'other' });

export const team = (o: Partial<TeamRecord> = {}): TeamRecord => ({
  id: 'team-dev', organizationId: 'org-1', name: 'developers', ssoTeamId: null, visibility: 'organization', organizationAccess: fullOrganizationAccess(),
  allowMemberTokenManagement: true, isOwners: false, createdAt: NOW, ...o,
});

export const OWNERS = team({ id: 'team-owners', name: 'owners', isOwners: true, organizationAccess: fullOrganizationAccess(Object.fromEntries(Object.keys(fullOrganizationAccess()).map((k) => [k, true]))) });
export const DEVELOPERS = team({ organizationAccess: fullOrganizationAccess({ 'read-workspaces': true, 'read-projects': true }) });
export const PLATFORM = team({ id: 'team-platform', name: 'platform', organizationAccess: fullOrganizationAccess({ 'manage-workspaces': true }) });
export const MANAGERS = team({ id: 'team-managers', name: 'managers', organizationAccess: fullOrganizationAccess({ 'manage-teams': true, 'manage-membership': true }) });
export const SECRET = team({ id: 'team-secret', name: 'secret', visibility: 'secret' });
export const NO_MEMBER_TOKENS = team({ id: 'team-locked', name: 'locked', allowMemberTokenManagement: false });
export const FOREIGN = team({ id: 'team-foreign', organizationId: 'org-2', name: 'foreign' });

export const user = (o: Partial<UserRecord> = {}): UserRecord => ({
  id: 'user-1', username: 'alice', email: 'alice@example.com', isSiteAdmin: false, isSuspended: false, isServiceAccount: false,
  serviceAccountSyncedAt: NOW, memberOf: [], loginFindings: [], lastLoginAt: NOW, createdAt: NOW, ...o,
});

const token = (kind: TokenRecord['kind'], ownerId: string): TokenRecord => ({
  id: `at-${kind}`, kind, ownerId, description: null, secretHash: 'x', createdAt: NOW, lastUsedAt: null, expiredAt: null, createdById: null, singular: true,
});

export const asUser = (u: UserRecord = user()): Principal => ({ kind: 'user', via: 'token', user: u, token: token('user', u.id) });
export const asTeamToken = (t: TeamRecord, o: OrganizationRecord = org()): Principal => ({ kind: 'team', via: 'token', token: token('team', t.id), team: t, organization: o });
export const asOrgToken = (o: OrganizationRecord = org()): Principal => ({ kind: 'organization', via: 'token', token: token('organization', o.id), organization: o });

/** The caller types of the permissions table (docs/api.md), with the facts the gateway would gather. */
export const CALLERS: Record<string, (target?: TeamRecord) => AuthzFacts> = {
  owner: (t) => ({ principal: asUser(user({ id: 'user-carol', username: 'carol' })), teams: [OWNERS], organization: org(), ...(t ? { team: t } : {}) }),
  'site admin': (t) => ({ principal: asUser(user({ id: 'user-root', isSiteAdmin: true })), teams: [], organization: org(), ...(t ? { team: t } : {}) }),
  'owners team token': (t) => ({ principal: asTeamToken(OWNERS), teams: [], organization: org(), ...(t ? { team: t } : {}) }),
  'organization token': (t) => ({ principal: asOrgToken(), teams: [], organization: org(), ...(t ? { team: t } : {}) }),
  'member (developers)': (t) => ({ principal: asUser(), teams: [DEVELOPERS], organization: org(), isMember: true, ...(t ? { team: t } : {}) }),
  'team token (manage-workspaces)': (t) => ({ principal: asTeamToken(PLATFORM), teams: [], organization: org(), ...(t ? { team: t } : {}) }),
  outsider: (t) => ({ principal: asUser(user({ id: 'user-eve' })), teams: [], organization: org(), ...(t ? { team: t } : {}) }),
};
