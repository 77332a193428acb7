/**
 * Organization memberships (TFE "Organization Memberships" API): invite by email, list, delete,
 * accept. An invitation for an email no user has yet is `invited` (stored without a user: no user
 * row exists) and is shown with the user id that person's first SAML login will create
 * (reservedUserId), so the membership's `user` relationship is stable before and after (TFE shows
 * the invited user's id at once; go-tfe relies on it); that login activates it
 * (src/tfe/login-sync.ts). An invitation for an existing account names the user and stays
 * `invited` until that user accepts, as TFE's invitations do: otherwise the owners of any
 * organization could make anyone a member without consent, and the strictest session-timeout over
 * a user's organizations (sessionLimitsFor) would let them cut short that user's sessions and
 * tokens everywhere. Only the IdP's MemberOf sync (rule S5) makes memberships active unasked.
 */
import { StoreConflictError, type OrgMembershipRecord, type OrganizationRecord, type UserRecord } from '../store/types.ts';
import { derivedId, newId, type TfeDeps } from './deps.ts';
import { authorize } from './authorize.ts';
import { TfeError } from './errors.ts';
import type { Principal } from './principal.ts';

/** A stable `user-<16>` id derived from an email: every invitation for one address names one user. */
export function reservedUserId(email: string): string {
  return derivedId('user', `samlgate-invited-user:${email.trim().toLowerCase()}`);
}

export async function inviteMember(deps: TfeDeps, org: OrganizationRecord, email: string, teamIds: string[]): Promise<OrgMembershipRecord> {
  for (const teamId of teamIds) {
    const team = await deps.store.teams.get(teamId);
    if (!team || team.organizationId !== org.id) throw new TfeError('invalid', `no team ${teamId} in organization ${org.name}`, 'teams');
  }
  const user = await deps.store.users.getByEmail(email);
  const membership: OrgMembershipRecord = {
    id: newId(deps.ids, 'ou'),
    organizationId: org.id,
    email: user?.email ?? email,
    // An existing account must consent (acceptInvitation); its initial teams wait until then.
    userId: user?.id ?? null,
    status: 'invited',
    initialTeamIds: [...new Set(teamIds)],
    createdAt: deps.clock.now(),
  };
  await deps.store.orgMemberships.create(membership).catch((err) => {
    if (err instanceof StoreConflictError) throw new TfeError('taken', `${email} is already a member of (or invited to) ${org.name}`, 'email');
    throw err;
  });
  return membership;
}

export async function deleteMembership(deps: TfeDeps, membership: OrgMembershipRecord): Promise<void> {
  const result = await deps.store.orgMemberships.delete(membership.id);
  if (result === 'last-owner') throw new TfeError('last-owner', 'this member is the last owner of the organization: add another owner first');
  if (result === 'not-found') throw new TfeError('not-found', 'the membership no longer exists');
}

/**
 * The IdP's MemberOf sync (rule S5) put the user in a team of the organization: that is the IdP's
 * word, so they are an active member at once, and an invitation waiting for them is accepted.
 * (TFE keeps a membership per member.)
 */
export async function ensureActiveMembership(deps: TfeDeps, organizationId: string, user: UserRecord): Promise<void> {
  const existing = await deps.store.orgMemberships.getByEmail(organizationId, user.email);
  if (existing) {
    if (existing.status === 'invited' && existing.userId === user.id) await deps.store.orgMemberships.acceptInvitation(existing.id, user.id);
    return;
  }
  await deps.store.orgMemberships.create({
    id: newId(deps.ids, 'ou'),
    organizationId,
    email: user.email,
    userId: user.id,
    status: 'active',
    initialTeamIds: [],
    createdAt: deps.clock.now(),
  }).catch((err) => {
    if (!(err instanceof StoreConflictError)) throw err;
  });
}

/** The user a membership names: its user, or for an invitation the id its first login will create. */
export function membershipUserId(m: OrgMembershipRecord): string {
  return m.userId ?? reservedUserId(m.email);
}

/** The teams (ids) a membership stands for: its user's teams there, or an invitation's initial teams. */
export async function teamsOfMembership(deps: Pick<TfeDeps, 'store'>, m: OrgMembershipRecord): Promise<string[]> {
  if (m.status === 'active' && m.userId) return (await deps.store.teams.teamsOfUser(m.userId)).filter((t) => t.organizationId === m.organizationId).map((t) => t.id);
  return m.initialTeamIds;
}

/** Whether the user is an active member of the organization: in one of its teams, or an accepted membership. */
export async function isActiveMember(deps: Pick<TfeDeps, 'store'>, organizationId: string, user: UserRecord): Promise<boolean> {
  if ((await deps.store.teams.teamsOfUser(user.id)).some((t) => t.organizationId === organizationId)) return true;
  const m = await deps.store.orgMemberships.getByEmail(organizationId, user.email);
  return m?.status === 'active' && m.userId === user.id;
}

/** The invitations waiting for the user's answer (the account page's "Invitations"). */
export async function pendingInvitations(deps: Pick<TfeDeps, 'store'>, user: UserRecord): Promise<{ membership: OrgMembershipRecord; organization: OrganizationRecord }[]> {
  const out = [];
  for (const membership of await deps.store.orgMemberships.listByUser(user.id)) {
    if (membership.status !== 'invited') continue;
    const organization = await deps.store.organizations.get(membership.organizationId);
    if (organization) out.push({ membership, organization });
  }
  return out;
}

/**
 * The invited user accepts: the membership becomes active and its initial teams are joined, and
 * from the user's next login the organization's session limits bind them. Only the user the
 * invitation names may accept (a membership of anyone else is reported missing, T7).
 */
/** The invitation `membershipId` if `p` may answer it (authorize: only the invited user), else not-found. */
async function invitationFor(deps: TfeDeps, p: Principal, membershipId: string): Promise<{ m: OrgMembershipRecord; user: UserRecord }> {
  const m = await deps.store.orgMemberships.get(membershipId);
  if (!m || p.kind !== 'user' || !authorize({ principal: p, teams: [], membership: m }, 'membership:answer-invitation')) throw new TfeError('not-found', 'no such invitation');
  return { m, user: p.user };
}

export async function acceptInvitation(deps: TfeDeps, p: Principal, membershipId: string): Promise<OrgMembershipRecord> {
  const { user } = await invitationFor(deps, p, membershipId);
  const result = await deps.store.orgMemberships.acceptInvitation(membershipId, user.id);
  if (result.ok) return result.membership;
  if (result.reason === 'not-invited') throw new TfeError('invalid', 'this membership is already active: there is nothing to accept', 'status');
  throw new TfeError('not-found', 'no such invitation');
}

/** The invited user declines: the invitation is deleted (an active membership is left with DELETE). */
export async function declineInvitation(deps: TfeDeps, p: Principal, membershipId: string): Promise<OrgMembershipRecord> {
  const { m } = await invitationFor(deps, p, membershipId);
  if (m.status !== 'invited') throw new TfeError('invalid', 'this membership is already active: leave the organization with DELETE /api/v2/organization-memberships/:id', 'status');
  await deleteMembership(deps, m);
  return m;
}
