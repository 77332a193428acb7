/**
 * Who may do what: the ONE module that decides it (DESIGN T2, T3, T7). Handlers never compare
 * roles themselves; they gather the facts (the principal, the teams it acts through in the
 * target organization, the target) and ask authorize(). Forbidden becomes 404 at the HTTP edge
 * (T7), never 403; token problems (401) are decided earlier, by src/tfe/token-validity.ts.
 *
 * Pure and synchronous, tested table-first (test/tfe/authorize.test.ts), like token-validity.ts.
 * The `permissions` objects TFE returns (organization, workspace) are derived from the same
 * decisions, so what the API says a token may do and what it lets the token do cannot disagree.
 */
import type { OrganizationRecord, OrgMembershipRecord, TeamAccessRecord, TeamRecord, TokenRecord, UserRecord, WorkspaceRecord } from '../store/types.ts';
import { actingTeams as actingTeamsOf, type Principal } from './principal.ts';
import { authorizeWorkspace, WORKSPACE_ACTIONS, type WorkspaceAction } from './workspace-access.ts';

export type Action =
  // Site level
  | 'site:admin' // /api/v2/admin/*
  | 'organization:create'
  // A user's own resources
  | 'user:read'
  | 'user:manage-tokens'
  | 'membership:answer-invitation' // accept or decline: only the invited user themself
  // Organization and team level: see ORGANIZATION_RULES below.
  | OrganizationAction
  | TeamAction
  // Workspace level: rule T3, decided in workspace-access.ts
  | WorkspaceAction;

/** Organization-level actions; every key of TFE's organization `permissions` maps onto one. */
export const ORGANIZATION_ACTIONS = [
  'organization:read', // can-traverse: see the organization at all
  'organization:update',
  'organization:update-authentication', // session-timeout, session-remember, auth policy, owners SAML role
  'organization:destroy',
  'organization:manage-token', // T2: owners, the owners team token, the organization token itself
  'organization:manage-memberships',
  'organization:list-team-tokens',
  'organization:manage-subscription',
  'organization:view-subscription',
  'organization:manage-sso',
  'organization:view-usage',
  'organization:manage-workspaces',
  'organization:read-workspaces',
  'organization:manage-vcs-settings',
  'organization:manage-policies',
  'organization:manage-modules',
  'organization:manage-providers',
  'organization:manage-run-tasks',
  'organization:manage-agent-pools',
  'organization:manage-projects',
  'organization:manage-varsets',
] as const;
export type OrganizationAction = (typeof ORGANIZATION_ACTIONS)[number];

export const TEAM_ACTIONS = [
  'team:create',
  'team:read',
  'team:update',
  'team:destroy',
  'team:manage-members',
  'team:manage-token', // T2 and the minting invariant: see decideTeamAction
] as const;
export type TeamAction = (typeof TEAM_ACTIONS)[number];

/**
 * Everything in an organization a credential could reach: its teams, its workspaces and every
 * team-access record on them. Needed to compare two credentials' rights (the minting invariant);
 * gathered by src/tfe/access.ts.
 */
export interface OrganizationScene {
  teams: TeamRecord[];
  workspaces: WorkspaceRecord[];
  teamAccess: TeamAccessRecord[];
}

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
  /** Target organization membership (membership:* actions). */
  membership?: OrgMembershipRecord;
  /** The caller (a user) has an active organization membership in the target organization. */
  isMember?: boolean;
  /** Target workspace (workspace:* actions except workspace:create). */
  workspace?: WorkspaceRecord;
  /** The team-access records of `teams` on `workspace` (workspace:* actions). */
  teamAccess?: TeamAccessRecord[];
  /** The whole organization (team:manage-token on a team the caller does not act through). */
  scene?: OrganizationScene;
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
    case 'membership:answer-invitation':
      // An invitation is a question to one person: neither the inviting owner, nor a site admin,
      // nor any token but that person's own may answer it (else an owner of another
      // organization could bind the user to its session limits without consent).
      return p.kind === 'user' && facts.membership !== undefined && facts.membership.userId === p.user.id;
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

const actingTeams = (facts: AuthzFacts, org: OrganizationRecord): TeamRecord[] => actingTeamsOf(facts.principal, facts.teams, org.id);

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
      // T2: any member of the team (TFE's allow-member-token-management, on by default) and the
      // team's own token act through the team, so the token holds no right they lack; owners hold
      // every right. Anyone else who manages teams (a manage-teams team, the organization token)
      // may mint it only if the team's rights are a subset of their own: no credential stronger
      // than its minter (the owners team's token would make a manage-teams member an owner, and
      // a write team's token would let the organization token apply runs, which T3 forbids).
      if (isOwner(facts, org)) return true;
      if (inTeam && team.allowMemberTokenManagement) return true;
      return manager && !team.isOwners && facts.scene !== undefined && exceedingRights(facts, teamTokenPrincipal(team, org), facts.scene).length === 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The minting invariant (DESIGN "Integrity"): no principal can create or regenerate a credential
// whose rights exceed its own. A credential's rights are every (action, target) pair authorize()
// grants it in the organization. Token management itself is left out of the comparison: it is
// derived from the other rights (this very rule), so it cannot add any.

const COMPARED_ORGANIZATION_ACTIONS = ORGANIZATION_ACTIONS.filter((a) => a !== 'organization:manage-token');
const COMPARED_TEAM_ACTIONS = TEAM_ACTIONS.filter((a) => a !== 'team:manage-token' && a !== 'team:create');
const COMPARED_WORKSPACE_ACTIONS = WORKSPACE_ACTIONS.filter((a) => a !== 'workspace:create');

/** Every right `facts.principal` holds in `facts.organization`, as `action` or `action@target-id`. */
export function rightsIn(facts: AuthzFacts, scene: OrganizationScene): Set<string> {
  const org = facts.organization;
  const rights = new Set<string>();
  if (!org) return rights;
  const base: AuthzFacts = { principal: facts.principal, teams: facts.teams, organization: org, ...(facts.isMember !== undefined ? { isMember: facts.isMember } : {}) };
  for (const action of [...COMPARED_ORGANIZATION_ACTIONS, 'team:create', 'workspace:create'] as const) if (authorize(base, action)) rights.add(action);
  for (const team of scene.teams) for (const action of COMPARED_TEAM_ACTIONS) if (authorize({ ...base, team }, action)) rights.add(`${action}@${team.id}`);
  for (const workspace of scene.workspaces) {
    const teamAccess = scene.teamAccess.filter((ta) => ta.workspaceId === workspace.id);
    for (const action of COMPARED_WORKSPACE_ACTIONS) if (authorize({ ...base, workspace, teamAccess }, action)) rights.add(`${action}@${workspace.id}`);
  }
  return rights;
}

/** The rights a credential for `minted` would hold that the caller of `facts` does not (empty: may mint). */
export function exceedingRights(facts: AuthzFacts, minted: Principal, scene: OrganizationScene): string[] {
  const own = rightsIn(facts, scene);
  return [...rightsIn({ principal: minted, teams: [], ...(facts.organization ? { organization: facts.organization } : {}) }, scene)].filter((r) => !own.has(r));
}

/** The principal a (new or regenerated) token of `team` would be, for comparing rights before it exists. */
export function teamTokenPrincipal(team: TeamRecord, organization: OrganizationRecord, token: TokenRecord = prospectiveToken('team', team.id)): Principal {
  return { kind: 'team', via: 'token', token, team, organization };
}

/** The principal the organization's token would be. */
export function organizationTokenPrincipal(organization: OrganizationRecord, token: TokenRecord = prospectiveToken('organization', organization.id)): Principal {
  return { kind: 'organization', via: 'token', token, organization };
}

function prospectiveToken(kind: 'team' | 'organization', ownerId: string): TokenRecord {
  return { id: 'at-prospective', kind, ownerId, description: null, secretHash: '', createdAt: 0, lastUsedAt: null, expiredAt: null, createdById: null, singular: true };
}
