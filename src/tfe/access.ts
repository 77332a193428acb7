/**
 * The one authorization entry both front doors (the /api/v2 adapter and the pages) call: it
 * gathers the facts authorize() needs for a caller and a target (the teams the caller acts
 * through there, an active membership) and asks. A target the caller may not act on is reported
 * as missing, so the caller answers 404 (T7) and a token cannot tell "absent" from "hidden".
 *
 * The decisions themselves are pure and live in authorize.ts; this module only reads the store.
 */
import type { OrganizationRecord, TeamRecord } from '../store/types.ts';
import { authorize, type Action, type AuthzFacts, type OrganizationScene } from './authorize.ts';
import type { TfeDeps } from './deps.ts';
import { actingTeams, type Principal } from './principal.ts';

type Deps = Pick<TfeDeps, 'store'>;

/** The teams the caller acts through in `organizationId` (principal.ts's rule, with the user's teams read). */
export async function callerTeams(deps: Deps, p: Principal, organizationId: string): Promise<TeamRecord[]> {
  const userTeams = p.kind === 'user' ? await deps.store.teams.teamsOfUser(p.user.id) : [];
  return actingTeams(p, userTeams, organizationId);
}

/** Every fact authorize() needs for the caller in `org` (and about `team`, when given). */
export async function factsFor(deps: Deps, principal: Principal, org: OrganizationRecord, team?: TeamRecord): Promise<AuthzFacts> {
  const teams = await callerTeams(deps, principal, org.id);
  const base: AuthzFacts = { principal, teams, organization: org, ...(team ? { team } : {}) };
  if (principal.kind !== 'user') return base;
  const membership = teams.length > 0 ? undefined : await deps.store.orgMemberships.getByEmail(org.id, principal.user.email);
  return { ...base, isMember: teams.length > 0 || membership?.status === 'active' };
}

/** The organization named `name` if the caller may take `action` on it, else undefined (404). */
export async function organizationFor(deps: Deps, principal: Principal, name: string, action: Action): Promise<{ org: OrganizationRecord; facts: AuthzFacts } | undefined> {
  const org = await deps.store.organizations.getByName(name);
  if (!org) return undefined;
  const facts = await factsFor(deps, principal, org);
  return authorize(facts, action) ? { org, facts } : undefined;
}

/** The team `id` (with its organization) if the caller may take `action` on it, else undefined (404). */
export async function teamFor(deps: Deps, principal: Principal, id: string, action: Action): Promise<{ team: TeamRecord; org: OrganizationRecord; facts: AuthzFacts } | undefined> {
  const team = await deps.store.teams.get(id);
  if (!team) return undefined;
  const org = await deps.store.organizations.get(team.organizationId);
  if (!org) return undefined;
  // Team decisions may compare rights across the organization (the minting invariant): give them the scene.
  const facts = await withScene(deps, await factsFor(deps, principal, org, team));
  // A team the caller cannot even see is missing, whatever the action (T7).
  if (!authorize(facts, 'team:read') || !authorize(facts, action)) return undefined;
  return { team, org, facts };
}

/** Whether the caller holds a site-level right (`site:admin`, `organization:create`): no target to gather. */
export function maySite(principal: Principal, action: 'site:admin' | 'organization:create'): boolean {
  return authorize({ principal, teams: [] }, action);
}

const ALL = { number: 1, size: 1_000_000 };

/** Everything of `org` a credential could reach, for comparing two credentials' rights. */
export async function organizationScene(deps: Deps, org: OrganizationRecord): Promise<OrganizationScene> {
  const teams = (await deps.store.teams.listByOrganization(org.id, ALL)).items;
  const workspaces = (await deps.store.workspaces.listByOrganization(org.id, ALL)).items;
  const teamAccess = teams.length ? await deps.store.teamAccess.forTeams(teams.map((t) => t.id)) : [];
  return { teams, workspaces, teamAccess };
}

/** `facts` with the scene of their organization (loaded once per request). */
export async function withScene(deps: Deps, facts: AuthzFacts): Promise<AuthzFacts> {
  if (facts.scene || !facts.organization) return facts;
  return { ...facts, scene: await organizationScene(deps, facts.organization) };
}
