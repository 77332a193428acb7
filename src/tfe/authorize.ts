/**
 * Who may do what: the ONE module that decides it (DESIGN T2, T3, T7). Handlers never compare
 * roles themselves; they gather the facts (the principal, the teams it acts through in the
 * target organization, the target) and ask authorize(). Forbidden becomes 404 at the HTTP edge
 * (T7), never 403; token problems (401) are decided earlier, by src/gateway/token-policy.ts.
 *
 * Pure and synchronous, tested table-first (test/tfe/authorize.test.ts), like token-policy.ts.
 * The `permissions` objects TFE returns (organization, workspace) are derived from the same
 * decisions, so what the API says a token may do and what it lets the token do cannot disagree.
 */
import type { OrganizationRecord, TeamAccessRecord, TeamRecord, UserRecord, WorkspaceRecord } from '../store/types.ts';
import type { Principal } from './principal.ts';
import { authorizeWorkspace, type WorkspaceAction } from './workspace-access.ts';

export type Action =
  // Site level
  | 'site:admin' // /api/v2/admin/*
  | 'organization:create'
  // A user's own resources
  | 'user:read'
  | 'user:manage-tokens'
  // Organization and team level: see ORGANIZATION_RULES below.
  | OrganizationAction
  | TeamAction
  // Workspace level: rule T3, decided in workspace-access.ts
  | WorkspaceAction;

/** Organization-level actions; every key of TFE's organization `permissions` maps onto one. */
export type OrganizationAction =
  | 'organization:read' // can-traverse: see the organization at all
  | 'organization:update'
  | 'organization:update-authentication' // session-timeout, session-remember, auth policy, owners SAML role
  | 'organization:destroy'
  | 'organization:manage-token' // T2: owners, the owners team token, the organization token itself
  | 'organization:manage-memberships'
  | 'organization:list-team-tokens'
  | 'organization:manage-subscription'
  | 'organization:view-subscription'
  | 'organization:manage-sso'
  | 'organization:view-usage'
  | 'organization:manage-workspaces'
  | 'organization:read-workspaces'
  | 'organization:manage-vcs-settings'
  | 'organization:manage-policies'
  | 'organization:manage-modules'
  | 'organization:manage-providers'
  | 'organization:manage-run-tasks'
  | 'organization:manage-agent-pools'
  | 'organization:manage-projects'
  | 'organization:manage-varsets';

export type TeamAction =
  | 'team:create'
  | 'team:read'
  | 'team:update'
  | 'team:destroy'
  | 'team:manage-members'
  | 'team:manage-token'; // T2: any member (allow-member-token-management), owners

/** The facts a decision needs, gathered by the caller (no I/O here). */
export interface AuthzFacts {
  principal: Principal;
  /**
   * The teams the caller acts through in the target organization: a user's teams there, a team
   * token's own team, none for an organization token. Empty when there is no target organization.
   */
  teams: TeamRecord[];
  organization?: OrganizationRecord;
  /** Target team (team:* actions). */
  team?: TeamRecord;
  /** Target user (user:* actions). */
  user?: UserRecord;
  /** The caller (a user) has an active organization membership in the target organization. */
  isMember?: boolean;
  /** Target workspace (workspace:* actions except workspace:create). */
  workspace?: WorkspaceRecord;
  /** The team-access records of `teams` on `workspace` (workspace:* actions). */
  teamAccess?: TeamAccessRecord[];
}

export function isSiteAdmin(p: Principal): boolean {
  return p.kind === 'user' && p.user.isSiteAdmin;
}

export function authorize(facts: AuthzFacts, action: Action): boolean {
  const p = facts.principal;
  if (action.startsWith('organization:') && action !== 'organization:create') return decideOrganizationAction(facts, action as OrganizationAction);
  if (action.startsWith('team:')) return decideTeamAction(facts, action as TeamAction);
  switch (action) {
    case 'site:admin':
      return isSiteAdmin(p);
    case 'organization:create':
      // TFE: site admins create organizations (the user's `can-create-organizations`); team and
      // organization tokens never do.
      return isSiteAdmin(p);
    case 'user:read':
      return p.kind === 'user' && facts.user !== undefined && (p.user.id === facts.user.id || p.user.isSiteAdmin);
    case 'user:manage-tokens':
      // TFE: a user manages only their own tokens (site admins included: they revoke by suspending).
      return p.kind === 'user' && facts.user !== undefined && p.user.id === facts.user.id;
    default:
      if (action.startsWith('workspace:')) {
        return authorizeWorkspace({ ...facts, teamAccess: facts.teamAccess ?? [] }, action as WorkspaceAction);
      }
      // Anything without a rule is refused (fail closed).
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Organizations and teams (DESIGN T2, T3; TFE's "Permissions" and "API Tokens" pages).
//
// Who counts as what in the target organization:
// - owner: a site admin, a member of the owners team, or the owners team's token (T3: "the owners
//   team token acts as an owner");
// - the organization token: CRUD on the organization's resources (T3), but it is not a person:
//   it cannot destroy the organization that owns it, change how people authenticate (SSO,
//   session limits) or manage the subscription;
// - a team (a user's teams there, or a team token's own team) grants its `organization-access`
//   flags;
// - any member (a team there, or an active membership) may read (traverse) the organization.

/** The organization-access flag that grants an organization action to a team, if any. */
const TEAM_GRANTS: Partial<Record<OrganizationAction, readonly string[]>> = {
  'organization:manage-memberships': ['manage-membership'],
  'organization:list-team-tokens': ['manage-teams'],
  'organization:manage-workspaces': ['manage-workspaces'],
  'organization:read-workspaces': ['read-workspaces', 'manage-workspaces'],
  'organization:manage-vcs-settings': ['manage-vcs-settings'],
  'organization:manage-policies': ['manage-policies'],
  'organization:manage-modules': ['manage-modules'],
  'organization:manage-providers': ['manage-providers'],
  'organization:manage-run-tasks': ['manage-run-tasks'],
  'organization:manage-agent-pools': ['manage-agent-pools'],
  'organization:manage-projects': ['manage-projects'],
  'organization:manage-varsets': ['manage-workspaces', 'manage-policies'],
};

/** Actions the organization token may NOT take although it may take every other one. */
const NOT_FOR_ORGANIZATION_TOKEN: ReadonlySet<OrganizationAction> = new Set([
  'organization:destroy',
  'organization:update-authentication',
  'organization:manage-subscription',
  'organization:manage-sso',
]);

/** The teams the caller acts through in `org` (never teams of another organization). */
function actingTeams(facts: AuthzFacts, org: OrganizationRecord): TeamRecord[] {
  const p = facts.principal;
  if (p.kind === 'team') return p.team.organizationId === org.id ? [p.team] : [];
  if (p.kind === 'organization') return [];
  return facts.teams.filter((t) => t.organizationId === org.id);
}

const isOrganizationToken = (p: Principal, org: OrganizationRecord) => p.kind === 'organization' && p.organization.id === org.id;

function isOwner(facts: AuthzFacts, org: OrganizationRecord): boolean {
  return isSiteAdmin(facts.principal) || actingTeams(facts, org).some((t) => t.isOwners);
}

function hasAccess(teams: TeamRecord[], flags: readonly string[] | undefined): boolean {
  return flags !== undefined && teams.some((t) => flags.some((f) => t.organizationAccess[f] === true));
}

function canReadOrganization(facts: AuthzFacts, org: OrganizationRecord): boolean {
  const p = facts.principal;
  if (isSiteAdmin(p) || isOrganizationToken(p, org) || actingTeams(facts, org).length > 0) return true;
  return p.kind === 'user' && facts.isMember === true;
}

function decideOrganizationAction(facts: AuthzFacts, action: OrganizationAction): boolean {
  const org = facts.organization;
  if (!org) return false;
  if (!canReadOrganization(facts, org)) return false; // T7: not even visible
  if (action === 'organization:read') return true;
  if (isOwner(facts, org)) return true;
  if (isOrganizationToken(facts.principal, org)) return !NOT_FOR_ORGANIZATION_TOKEN.has(action);
  if (action === 'organization:manage-token') return false; // T2: owners and the org token only
  return hasAccess(actingTeams(facts, org), TEAM_GRANTS[action]);
}

function decideTeamAction(facts: AuthzFacts, action: TeamAction): boolean {
  const org = facts.organization;
  if (!org || !canReadOrganization(facts, org)) return false;
  const p = facts.principal;
  const teams = actingTeams(facts, org);
  const manager = isOwner(facts, org) || isOrganizationToken(p, org) || hasAccess(teams, ['manage-teams']);
  if (action === 'team:create') return manager;
  const team = facts.team;
  if (!team || team.organizationId !== org.id) return false;
  const inTeam = teams.some((t) => t.id === team.id);
  switch (action) {
    case 'team:read':
      // TFE: "secret" teams are visible only to their members and to those who manage teams.
      return team.visibility === 'organization' || inTeam || manager || hasAccess(teams, ['access-secret-teams']);
    case 'team:update':
      // The owners team's settings are the owners' own business (not a manage-teams team's).
      return team.isOwners ? isOwner(facts, org) || isOrganizationToken(p, org) : manager;
    case 'team:destroy':
      return !team.isOwners && manager;
    case 'team:manage-members':
      if (team.isOwners) return isOwner(facts, org) || isOrganizationToken(p, org);
      return manager || hasAccess(teams, ['manage-membership']);
    case 'team:manage-token':
      // T2: any member of the team (TFE's allow-member-token-management, on by default), owners,
      // the organization token, and those who manage teams.
      return manager || (inTeam && team.allowMemberTokenManagement);
  }
}
