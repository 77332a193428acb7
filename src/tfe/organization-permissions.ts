/**
 * The `permissions` object of GET /api/v2/organizations/:name (DESIGN T6), computed for the
 * caller from authorize(): every key is the answer to one authorization question, so what the
 * API says a token may do and what the gateway lets it do cannot disagree.
 *
 * TFE publishes an owner's example (every key true except can-enable-stacks and
 * can-create-change-requests) but no table per token type; the table in docs/api.md is this
 * mapping applied to each caller type, and test/tfe/organization-permissions.test.ts checks it key
 * by key.
 */
import { authorize, type AuthzFacts, type OrganizationAction } from './authorize.ts';

/** Each key of TFE's documented example, and the one decision it reports. `false`: never offered. */
export const ORGANIZATION_PERMISSION_KEYS = {
  'can-update': 'organization:update',
  'can-update-authentication': 'organization:update-authentication',
  'can-destroy': 'organization:destroy',
  'can-access-via-teams': 'via-teams',
  'can-create-module': 'organization:manage-modules',
  'can-create-team': 'team:create',
  'can-create-workspace': 'organization:manage-workspaces',
  'can-create-workspace-migration': 'organization:manage-workspaces', // older clients (go-tfe 0.11) read it
  'can-manage-users': 'organization:manage-memberships',
  'can-manage-subscription': 'organization:manage-subscription',
  'can-view-subscription': 'organization:view-subscription',
  'can-manage-sso': 'organization:manage-sso',
  'can-update-oauth': 'organization:manage-vcs-settings',
  'can-update-sentinel': 'organization:manage-policies',
  'can-update-ssh-keys': 'organization:manage-vcs-settings',
  'can-update-api-token': 'organization:manage-token',
  'can-traverse': 'organization:read',
  'can-view-usage': 'organization:view-usage',
  'can-update-agent-pools': 'organization:manage-agent-pools',
  'can-manage-tags': 'organization:manage-workspaces',
  'can-manage-varsets': 'organization:manage-varsets',
  'can-read-varsets': 'organization:read',
  'can-manage-public-providers': 'organization:manage-providers',
  'can-create-provider': 'organization:manage-providers',
  'can-manage-public-modules': 'organization:manage-modules',
  'can-manage-custom-providers': 'organization:manage-providers',
  'can-manage-run-tasks': 'organization:manage-run-tasks',
  'can-read-run-tasks': 'organization:read',
  'can-create-project': 'organization:manage-projects',
  // Stacks and change requests are features samlgate does not model: false for everyone, as in
  // TFE's own owner example.
  'can-enable-stacks': false,
  'can-manage-org-public-providers': 'organization:manage-providers',
  'can-manage-org-public-modules': 'organization:manage-modules',
  'can-manage-assessments': 'organization:manage-workspaces',
  'can-read-assessments': 'organization:read',
  'can-view-explorer': 'organization:read-workspaces',
  'can-deploy-no-code-modules': 'organization:manage-workspaces',
  'can-manage-no-code-modules': 'organization:manage-modules',
  'can-create-change-requests': false,
  'can-manage-saved-views': 'organization:manage-workspaces',
  'can-read-saved-views': 'organization:read',
} as const satisfies Record<string, OrganizationAction | 'team:create' | 'via-teams' | false>;

export type OrganizationPermissionKey = keyof typeof ORGANIZATION_PERMISSION_KEYS;
export type OrganizationPermissions = Record<OrganizationPermissionKey, boolean>;

/** `facts` must name the organization; `teams` are the caller's teams in it. */
export function organizationPermissions(facts: AuthzFacts): OrganizationPermissions {
  const out = {} as OrganizationPermissions;
  for (const [key, rule] of Object.entries(ORGANIZATION_PERMISSION_KEYS) as [OrganizationPermissionKey, (typeof ORGANIZATION_PERMISSION_KEYS)[OrganizationPermissionKey]][]) {
    if (rule === false) out[key] = false;
    else if (rule === 'via-teams') out[key] = accessViaTeams(facts);
    else out[key] = authorize(facts, rule);
  }
  return out;
}

/** can-access-via-teams: the caller reaches the organization through a team of it. */
function accessViaTeams(facts: AuthzFacts): boolean {
  const org = facts.organization;
  if (!org || !authorize(facts, 'organization:read')) return false;
  const p = facts.principal;
  if (p.kind === 'team') return p.team.organizationId === org.id;
  if (p.kind === 'organization') return false;
  return facts.teams.some((t) => t.organizationId === org.id);
}

/** TFE's team `permissions` object, from the same decisions. */
export function teamPermissions(facts: AuthzFacts) {
  return {
    'can-update-membership': authorize(facts, 'team:manage-members'),
    'can-destroy': authorize(facts, 'team:destroy'),
    'can-update-organization-access': authorize(facts, 'team:update'),
    'can-update-api-token': authorize(facts, 'team:manage-token'),
    'can-update-visibility': authorize(facts, 'team:update'),
  };
}
