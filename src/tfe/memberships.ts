/**
 * Organization memberships (TFE "Organization Memberships" API): invite by email, list, delete.
 * An invitation for an email no user has yet is `invited` (stored without a user: no user row
 * exists) and is shown with the user id that person's first SAML login will create
 * (reservedUserId), so the membership's `user` relationship is stable before and after (TFE shows
 * the invited user's id at once; go-tfe relies on it). Activation happens at login
 * (src/tfe/login-sync.ts).
 */
import { StoreConflictError, type OrgMembershipRecord, type OrganizationRecord, type UserRecord } from '../store/types.ts';
import { derivedId, newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';

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
    // samlgate has no invitation email to accept: a person who already has an account is a member at once.
    userId: user?.id ?? null,
    status: user ? 'active' : 'invited',
    initialTeamIds: [...new Set(teamIds)],
    createdAt: deps.clock.now(),
  };
  await deps.store.orgMemberships.create(membership).catch((err) => {
    if (err instanceof StoreConflictError) throw new TfeError('conflict', `${email} is already a member of (or invited to) ${org.name}`, 'email');
    throw err;
  });
  return membership;
}

export async function deleteMembership(deps: TfeDeps, membership: OrgMembershipRecord): Promise<void> {
  const result = await deps.store.orgMemberships.delete(membership.id);
  if (result === 'last-owner') throw new TfeError('last-owner', 'this member is the last owner of the organization: add another owner first');
  if (result === 'not-found') throw new TfeError('not-found', 'the membership no longer exists');
}

/** Being in a team of an organization makes one a member of it (TFE keeps a membership per member). */
export async function ensureActiveMembership(deps: TfeDeps, organizationId: string, user: UserRecord): Promise<void> {
  const existing = await deps.store.orgMemberships.getByEmail(organizationId, user.email);
  if (existing) return;
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
