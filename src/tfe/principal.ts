/**
 * Who is calling (DESIGN T2-T7): a user through the browser session or a user token, a team
 * token, or an organization token. Built by the gateway's auth middleware from one store lookup;
 * every authorization decision (src/tfe/authorize.ts) starts from one of these.
 */
import type { OrganizationRecord, TeamRecord, TokenRecord, UserRecord } from '../store/types.ts';

export type Principal =
  | { kind: 'user'; via: 'session'; user: UserRecord }
  | { kind: 'user'; via: 'token'; user: UserRecord; token: TokenRecord }
  | { kind: 'team'; via: 'token'; token: TokenRecord; team: TeamRecord; organization: OrganizationRecord }
  | { kind: 'organization'; via: 'token'; token: TokenRecord; organization: OrganizationRecord };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** The user behind the call, or undefined for team and organization tokens. */
export function principalUser(p: Principal): UserRecord | undefined {
  return p.kind === 'user' ? p.user : undefined;
}

/**
 * The teams the caller acts through in organization `organizationId` (DESIGN T3): a team token's
 * own team only, no team for an organization token, a user's teams of that organization (never a
 * team of another one). The one copy of this rule: the organization, team and workspace decisions
 * and the fact gathering (src/tfe/access.ts) all call it.
 */
export function actingTeams(p: Principal, userTeams: readonly TeamRecord[], organizationId: string | undefined): TeamRecord[] {
  if (organizationId === undefined) return [];
  if (p.kind === 'team') return p.team.organizationId === organizationId ? [p.team] : [];
  if (p.kind === 'organization') return [];
  return userTeams.filter((t) => t.organizationId === organizationId);
}
