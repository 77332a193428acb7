/** Store records -> TFE-shaped JSON:API resource objects. One function per resource type. */
import { createHash } from 'node:crypto';
import type { OrgMembershipRecord, OrganizationRecord, TeamRecord, TokenRecord, UserRecord } from '../store/types.ts';
import { authorize } from '../tfe/authorize.ts';
import { membershipUserId } from '../tfe/memberships.ts';
import type { Principal } from '../tfe/principal.ts';
import { ENTITLEMENTS } from '../tfe/organizations.ts';
import type { OrganizationPermissions } from '../tfe/organization-permissions.ts';
import type { SamlSettings, SamlSettingsReadOnly } from '../tfe/saml-settings.ts';
import type { ServiceUser } from '../tfe/service-user.ts';
import { iso } from './jsonapi.ts';

/** TFE's avatar-url: a Gravatar URL with the mystery-person fallback, so it is never empty. */
export function avatarUrl(email: string): string {
  let url = avatarUrls.get(email);
  if (url === undefined) {
    url = `https://www.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?s=100&d=mm`;
    // Every account/details call serialises its caller: a hash per request for the same answer.
    if (avatarUrls.size >= AVATAR_URLS_KEPT) avatarUrls.delete(avatarUrls.keys().next().value!);
    avatarUrls.set(email, url);
  }
  return url;
}
const AVATAR_URLS_KEPT = 1024;
const avatarUrls = new Map<string, string>();

/** The attributes both views of a user show alike: the account's (userResource) and the admin list's. */
function userIdentity(user: UserRecord) {
  return {
    username: user.username,
    email: user.email,
    'avatar-url': avatarUrl(user.email),
    'is-site-admin': user.isSiteAdmin,
    'is-suspended': user.isSuspended,
    'is-service-account': user.isServiceAccount,
  };
}

/**
 * `viewer`: who is asking. `meta.member-of` is the user's whole IdP group list, which names groups
 * (and so teams, projects, other organizations) beyond the viewer's organization: only the user
 * themself and site admins see it (the `user:read` rule), never members of another organization
 * looking at a team's users or a membership's user.
 */
export function userResource(user: UserRecord, viewer: Principal) {
  const seesGroups = authorize({ principal: viewer, teams: [], user }, 'user:read');
  return {
    id: user.id,
    type: 'users',
    attributes: {
      ...userIdentity(user),
      'is-sso-login': true,
      'two-factor': { enabled: false, verified: false },
      'unconfirmed-email': user.unconfirmedEmail ?? null,
      'v2-only': false,
      permissions: {
        'can-create-organizations': user.isSiteAdmin,
        'can-change-email': false,
        'can-change-username': false,
        'can-manage-user-tokens': true,
      },
    },
    relationships: {
      'authentication-tokens': { links: { related: `/api/v2/users/${user.id}/authentication-tokens` } },
    },
    links: { self: `/api/v2/users/${user.id}` },
    // samlgate extension (rule F2): the flag is a snapshot of the last login's assertion.
    meta: {
      'service-account-synced-at': iso(user.serviceAccountSyncedAt),
      'last-login-at': iso(user.lastLoginAt),
      ...(seesGroups ? { 'member-of': user.memberOf } : {}),
    },
  };
}

/** `secret` is passed only by the create handler: the one time the token is shown (rule T5). */
export function tokenResource(token: TokenRecord, secret: string | null = null, owner?: { team?: TeamRecord; organization?: OrganizationRecord }) {
  const relationships: Record<string, unknown> = {
    'created-by': { data: token.createdById ? { id: token.createdById, type: 'users' } : null },
  };
  if (owner?.team) relationships.team = { data: { id: owner.team.id, type: 'teams' } };
  if (owner?.organization) relationships.organization = { data: { id: owner.organization.name, type: 'organizations' } };
  return {
    id: token.id,
    type: 'authentication-tokens',
    attributes: {
      'created-at': iso(token.createdAt),
      'last-used-at': iso(token.lastUsedAt),
      description: token.description,
      token: secret,
      'expired-at': iso(token.expiredAt),
    },
    relationships,
  };
}

/** Team and organization tokens' synthetic user (GET /account/details, T6). */
export function serviceUserResource(u: ServiceUser) {
  return {
    id: u.id,
    type: 'users',
    attributes: {
      username: u.username,
      email: u.email,
      'is-service-account': true,
      'is-site-admin': false,
      'is-suspended': false,
      'is-sso-login': false,
      'avatar-url': avatarUrl(u.email),
      'two-factor': { enabled: false, verified: false },
      'unconfirmed-email': null,
      'v2-only': true,
      permissions: { 'can-create-organizations': false, 'can-change-email': false, 'can-change-username': false, 'can-manage-user-tokens': false },
    },
    relationships: {
      'authenticated-resource': { data: u.authenticatedResource, links: { related: `/api/v2/${u.authenticatedResource.type}/${u.authenticatedResource.id}` } },
    },
    links: { self: `/api/v2/users/${u.id}` },
  };
}

export function organizationResource(org: OrganizationRecord, permissions: OrganizationPermissions, o: { samlEnabled: boolean }) {
  const path = `/api/v2/organizations/${encodeURIComponent(org.name)}`;
  return {
    id: org.name,
    type: 'organizations',
    attributes: {
      ...org.attributes,
      name: org.name,
      email: org.email,
      'external-id': org.id,
      'created-at': iso(org.createdAt),
      'session-timeout': org.sessionTimeoutMinutes,
      'session-remember': org.sessionRememberMinutes,
      'owners-team-saml-role-id': org.ownersTeamSamlRoleId,
      'saml-enabled': o.samlEnabled,
      'two-factor-conformant': true,
      'trial-expires-at': null,
      'enterprise-plan': 'premium',
      'plan-expired': false,
      'plan-is-trial': false,
      'plan-is-enterprise': true,
      'fair-run-queuing-enabled': true,
      permissions,
    },
    relationships: {
      'entitlement-set': { data: { id: org.id, type: 'entitlement-sets' }, links: { related: `${path}/entitlement-set` } },
      'authentication-token': { links: { related: `${path}/authentication-token` } },
      teams: { links: { related: `${path}/teams` } },
      'organization-memberships': { links: { related: `${path}/organization-memberships` } },
    },
    links: { self: path },
  };
}

export function entitlementSetResource(org: OrganizationRecord) {
  return {
    id: org.id,
    type: 'entitlement-sets',
    attributes: Object.fromEntries(ENTITLEMENTS.map((e) => [e, true])),
    links: { self: `/api/v2/entitlement-sets/${org.id}` },
  };
}

export interface TeamView {
  members: UserRecord[];
  membershipIds: string[];
}

export function teamResource(team: TeamRecord, org: OrganizationRecord, view: TeamView, permissions: Record<string, boolean>) {
  return {
    id: team.id,
    type: 'teams',
    attributes: {
      name: team.name,
      'sso-team-id': team.ssoTeamId,
      'users-count': view.members.length,
      visibility: team.visibility,
      'allow-member-token-management': team.allowMemberTokenManagement,
      permissions,
      'organization-access': team.organizationAccess,
      'created-at': iso(team.createdAt),
    },
    relationships: {
      organization: { data: { id: org.name, type: 'organizations' } },
      users: { data: view.members.map((u) => ({ id: u.id, type: 'users' })) },
      'organization-memberships': { data: view.membershipIds.map((id) => ({ id, type: 'organization-memberships' })) },
      'authentication-token': { meta: {} },
    },
    links: { self: `/api/v2/teams/${team.id}` },
  };
}

export function membershipResource(m: OrgMembershipRecord, org: OrganizationRecord, teamIds: string[]) {
  return {
    id: m.id,
    type: 'organization-memberships',
    attributes: { status: m.status, email: m.email, 'created-at': iso(m.createdAt) },
    relationships: {
      organization: { data: { id: org.name, type: 'organizations' } },
      user: { data: { id: membershipUserId(m), type: 'users' } },
      teams: { data: teamIds.map((id) => ({ id, type: 'teams' })) },
    },
    links: { self: `/api/v2/organization-memberships/${m.id}` },
  };
}

export function samlSettingsResource(s: SamlSettings, ro: SamlSettingsReadOnly) {
  return { id: 'saml', type: 'saml-settings', attributes: { ...s, ...ro } };
}

/** TFE's admin view of a user (GET /admin/users). */
export function adminUserResource(user: UserRecord) {
  return {
    id: user.id,
    type: 'users',
    attributes: {
      ...userIdentity(user),
      'is-admin': user.isSiteAdmin,
      'two-factor-enabled': false,
      'last-login-at': iso(user.lastLoginAt),
      'created-at': iso(user.createdAt),
    },
    relationships: { organizations: { links: { related: `/api/v2/admin/users/${user.id}/organizations` } } },
    links: { self: `/api/v2/users/${user.id}` },
    meta: { 'service-account-synced-at': iso(user.serviceAccountSyncedAt), 'member-of': user.memberOf },
  };
}

/** TFE's admin view of an organization (GET /admin/organizations). */
export function adminOrganizationResource(org: OrganizationRecord) {
  return {
    id: org.name,
    type: 'organizations',
    attributes: {
      name: org.name,
      email: org.email,
      'external-id': org.id,
      'created-at': iso(org.createdAt),
      'notification-email': org.email,
      'is-disabled': false,
      'access-beta-tools': false,
      'global-module-sharing': false,
      'sso-enabled': true,
    },
    relationships: { owners: { links: { related: `/api/v2/organizations/${encodeURIComponent(org.name)}/teams` } } },
    links: { self: `/api/v2/admin/organizations/${encodeURIComponent(org.name)}` },
  };
}
