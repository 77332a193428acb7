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
import type { OrganizationRecord, TeamRecord, UserRecord } from '../store/types.ts';
import type { Principal } from './principal.ts';

export type Action =
  // Site level
  | 'site:admin' // /api/v2/admin/*
  | 'organization:create'
  // A user's own resources
  | 'user:read'
  | 'user:manage-tokens'
  // Organization level
  | 'organization:read'
  | 'organization:update'
  | 'organization:destroy'
  | 'organization:manage-token' // T2: owners, the owners team token, the organization token itself
  | 'organization:manage-memberships'
  | 'organization:list-team-tokens'
  // Team level
  | 'team:create'
  | 'team:read'
  | 'team:update'
  | 'team:destroy'
  | 'team:manage-members'
  | 'team:manage-token' // T2: any member (allow-member-token-management), owners
  // Workspace level (the workspaces/runs stage; rule T3: org tokens may not create or apply runs,
  // configuration versions or state versions)
  | 'workspace:create'
  | 'workspace:read'
  | 'workspace:update'
  | 'workspace:destroy'
  | 'workspace:lock'
  | 'workspace:manage-team-access'
  | 'workspace:read-variables'
  | 'workspace:manage-variables'
  | 'workspace:read-state'
  | 'workspace:create-state-version'
  | 'workspace:create-configuration-version'
  | 'workspace:queue-run'
  | 'workspace:apply-run'
  | 'workspace:discard-run'
  | 'workspace:cancel-run';

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
}

export function isSiteAdmin(p: Principal): boolean {
  return p.kind === 'user' && p.user.isSiteAdmin;
}

export function authorize(facts: AuthzFacts, action: Action): boolean {
  const p = facts.principal;
  switch (action) {
    case 'site:admin':
      return isSiteAdmin(p);
    case 'user:read':
      return p.kind === 'user' && facts.user !== undefined && (p.user.id === facts.user.id || p.user.isSiteAdmin);
    case 'user:manage-tokens':
      // TFE: a user manages only their own tokens (site admins included: they revoke by suspending).
      return p.kind === 'user' && facts.user !== undefined && p.user.id === facts.user.id;
    default:
      // Organization, team and workspace rules arrive with the organization model; until a rule
      // is written here, nothing is allowed (fail closed).
      return false;
  }
}
