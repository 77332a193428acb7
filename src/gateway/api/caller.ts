/**
 * Gathers the facts authorize() needs for the caller and a target organization or team (the
 * caller's teams there, an active membership), so handlers only ask and never compare roles.
 * A target the caller may not act on is reported as missing: the handler answers 404 (T7).
 */
import type { OrganizationRecord, TeamRecord } from '../../store/types.ts';
import { authorize, type Action, type AuthzFacts } from '../../tfe/authorize.ts';
import type { Principal } from '../../tfe/principal.ts';
import type { GatewayContext } from '../context.ts';

export async function factsFor(ctx: GatewayContext, principal: Principal, org: OrganizationRecord, team?: TeamRecord): Promise<AuthzFacts> {
  if (principal.kind !== 'user') return { principal, teams: [], organization: org, ...(team ? { team } : {}) };
  const teams = (await ctx.store.teams.teamsOfUser(principal.user.id)).filter((t) => t.organizationId === org.id);
  const membership = teams.length > 0 ? undefined : await ctx.store.orgMemberships.getByEmail(org.id, principal.user.email);
  return { principal, teams, organization: org, isMember: teams.length > 0 || membership?.status === 'active', ...(team ? { team } : {}) };
}

/** The organization named `name` if the caller may take `action` on it, else undefined (404). */
export async function organizationFor(ctx: GatewayContext, principal: Principal, name: string, action: Action): Promise<{ org: OrganizationRecord; facts: AuthzFacts } | undefined> {
  const org = await ctx.store.organizations.getByName(name);
  if (!org) return undefined;
  const facts = await factsFor(ctx, principal, org);
  return authorize(facts, action) ? { org, facts } : undefined;
}

/** The team `id` (with its organization) if the caller may take `action` on it, else undefined (404). */
export async function teamFor(ctx: GatewayContext, principal: Principal, id: string, action: Action): Promise<{ team: TeamRecord; org: OrganizationRecord; facts: AuthzFacts } | undefined> {
  const team = await ctx.store.teams.get(id);
  if (!team) return undefined;
  const org = await ctx.store.organizations.get(team.organizationId);
  if (!org) return undefined;
  const facts = await factsFor(ctx, principal, org, team);
  // A team the caller cannot even see is missing, whatever the action (T7).
  if (!authorize(facts, 'team:read') || !authorize(facts, action)) return undefined;
  return { team, org, facts };
}
