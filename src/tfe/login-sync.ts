/**
 * What a SAML login changes in the organization model (rule S5), after the user record itself
 * is synced (src/tfe/users.ts): pending invitations for the email activate, MemberOf sets team
 * membership in every organization when team management is on (TFE maps SAML groups to teams
 * by name, or by sso-team-id, in any organization) when the assertion carries the groups
 * attribute, and the login gets its S1 limits.
 */
import type { UserRecord } from '../store/types.ts';
import type { TfeDeps } from './deps.ts';
import { allOrganizations, sessionLimitsFor, type SessionLimits } from './organizations.ts';
import { syncTeamsFromMemberOf } from './teams.ts';

export interface LoginSyncResult {
  activatedMemberships: number;
  teamsAdded: string[];
  teamsRemoved: string[];
  limits: SessionLimits;
}

export async function syncOrganizationsAtLogin(
  deps: TfeDeps,
  user: UserRecord,
  /** `memberOfSent`: the assertion carried the groups attribute (even empty). */
  o: { memberOf: string[]; memberOfSent: boolean; teamManagement: boolean; ceiling: SessionLimits },
): Promise<LoginSyncResult> {
  const activated = await deps.store.orgMemberships.activateInvitations(user.email, user.id);
  const teamsAdded: string[] = [];
  const teamsRemoved: string[] = [];
  // An assertion without the groups attribute says nothing about teams: membership (e.g. from an
  // invitation or the API) is left as it is. One that carries it, even empty, is the truth.
  if (o.teamManagement && o.memberOfSent) {
    const orgs = [];
    for await (const org of allOrganizations(deps)) orgs.push(org);
    for (const org of orgs) {
      const { added, removed } = await syncTeamsFromMemberOf(deps, org, user, o.memberOf);
      teamsAdded.push(...added);
      teamsRemoved.push(...removed);
    }
  }
  const limits = await sessionLimitsFor(deps, user.id, o.ceiling);
  return { activatedMemberships: activated.length, teamsAdded, teamsRemoved, limits };
}
