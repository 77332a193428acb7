/**
 * Teams (TFE "Teams" and "Team Membership" APIs): CRUD with organization-access and visibility,
 * members by username or by organization membership, and the MemberOf sync at login (rule S5).
 * The owners team always exists and is never emptied (the store refuses both atomically).
 */
import { StoreConflictError, type OrganizationAccess, type OrganizationRecord, type TeamPatch, type TeamRecord, type UserRecord } from '../store/types.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';
import { ensureActiveMembership, isActiveMember } from './memberships.ts';
import { ORGANIZATION_ACCESS_FLAGS } from './organizations.ts';

export type OrganizationAccessFlag = (typeof ORGANIZATION_ACCESS_FLAGS)[number];

/** Every flag, false unless given: what TFE shows for a new team. */
export function fullOrganizationAccess(given: Partial<Record<string, boolean>> = {}, base: OrganizationAccess = {}): OrganizationAccess {
  return Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, given[f] ?? base[f] ?? false]));
}

export interface TeamInput {
  name: string;
  ssoTeamId?: string | null;
  visibility?: 'secret' | 'organization';
  organizationAccess?: Partial<Record<string, boolean>>;
  allowMemberTokenManagement?: boolean;
}

function nameConflict(err: unknown, name: string): never {
  if (err instanceof StoreConflictError) throw new TfeError('taken', `a team named ${name} already exists in this organization`, 'name');
  throw err;
}

export async function createTeam(deps: TfeDeps, org: OrganizationRecord, input: TeamInput): Promise<TeamRecord> {
  if (input.name === 'owners') throw new TfeError('taken', 'the owners team already exists in every organization', 'name');
  const team: TeamRecord = {
    id: newId(deps.ids, 'team'),
    organizationId: org.id,
    name: input.name,
    ssoTeamId: input.ssoTeamId ?? null,
    // TFE: new teams are secret unless asked otherwise.
    visibility: input.visibility ?? 'secret',
    organizationAccess: fullOrganizationAccess(input.organizationAccess),
    allowMemberTokenManagement: input.allowMemberTokenManagement ?? true,
    isOwners: false,
    createdAt: deps.clock.now(),
  };
  await deps.store.teams.create(team).catch((err) => nameConflict(err, input.name));
  return team;
}

export async function updateTeam(deps: TfeDeps, team: TeamRecord, input: Partial<TeamInput>): Promise<TeamRecord> {
  const patch: TeamPatch = {};
  if (input.name !== undefined && input.name !== team.name) {
    if (team.isOwners) throw new TfeError('invalid', 'the owners team cannot be renamed', 'name');
    patch.name = input.name;
  }
  if (input.ssoTeamId !== undefined) patch.ssoTeamId = input.ssoTeamId;
  if (input.visibility !== undefined) patch.visibility = input.visibility;
  if (input.allowMemberTokenManagement !== undefined) patch.allowMemberTokenManagement = input.allowMemberTokenManagement;
  if (input.organizationAccess !== undefined) {
    // TFE: the owners team's organization access is fixed (it has every permission).
    if (team.isOwners) throw new TfeError('invalid', "the owners team's organization access cannot be changed", 'organization-access');
    patch.organizationAccess = fullOrganizationAccess(input.organizationAccess, team.organizationAccess);
  }
  const updated = await deps.store.teams.update(team.id, patch).catch((err) => nameConflict(err, input.name ?? team.name));
  if (!updated) throw new TfeError('not-found', 'the team no longer exists');
  return updated;
}

export async function deleteTeam(deps: TfeDeps, team: TeamRecord): Promise<void> {
  const result = await deps.store.teams.delete(team.id);
  if (result === 'owners') throw new TfeError('invalid', 'the owners team cannot be deleted: every organization keeps one');
  if (result === 'not-found') throw new TfeError('not-found', 'the team no longer exists');
}

async function usersByName(deps: TfeDeps, usernames: string[]): Promise<UserRecord[]> {
  const users: UserRecord[] = [];
  for (const name of usernames) {
    const user = await deps.store.users.getByUsername(name);
    if (!user) throw new TfeError('invalid', `no user named ${name} (a user exists once they have signed in through SSO)`, 'username');
    users.push(user);
  }
  return users;
}

/**
 * POST teams/:id/relationships/users. TFE: "To add users to a team, they must first receive and
 * accept the invitation to join the organization". So only active members are added; anyone else
 * is refused (422) and nothing changes: adding by username must not make a user a member without
 * their consent (the organization's session limits would then bind them). An invitation can name
 * the team instead (relationships/organization-memberships), joined when the user accepts.
 */
export async function addMembersByUsername(deps: TfeDeps, team: TeamRecord, usernames: string[]): Promise<void> {
  const users = await usersByName(deps, usernames);
  for (const u of users) {
    if (await isActiveMember(deps, team.organizationId, u)) continue;
    const org = await deps.store.organizations.get(team.organizationId);
    throw new TfeError(
      'invalid',
      `${u.username} is not a member of organization ${org?.name ?? team.organizationId}: invite them by email (POST /api/v2/organizations/:name/organization-memberships, ` +
        'optionally naming this team) and they join the team when they accept the invitation',
      'username',
    );
  }
  const result = await deps.store.teams.addMembers(team.id, users.map((u) => u.id));
  if (!result.ok) throw new TfeError(result.reason === 'team-not-found' ? 'not-found' : 'invalid', `cannot add members: ${result.reason}`, 'username');
}

export async function removeMembersByUsername(deps: TfeDeps, team: TeamRecord, usernames: string[]): Promise<void> {
  const users = await usersByName(deps, usernames);
  await removeTeamMembers(deps, team, users.map((u) => u.id));
}

/** Removes these users from the team; never the owners team's last member (TfeError last-owner). */
export async function removeTeamMembers(deps: Pick<TfeDeps, 'store'>, team: TeamRecord, userIds: string[]): Promise<void> {
  const result = await deps.store.teams.removeMembers(team.id, userIds);
  if (!result.ok) {
    if (result.reason === 'last-owner') throw new TfeError('last-owner', 'the owners team must keep at least one member: add another owner first');
    throw new TfeError('not-found', `cannot remove members: ${result.reason}`);
  }
}

/**
 * POST/DELETE teams/:id/relationships/organization-memberships. An active membership adds or
 * removes its user; an invitation records the team, joined when it activates at first login.
 */
export async function changeMembershipsOfTeam(deps: TfeDeps, team: TeamRecord, membershipIds: string[], add: boolean): Promise<void> {
  for (const id of membershipIds) {
    const m = await deps.store.orgMemberships.get(id);
    if (!m || m.organizationId !== team.organizationId) throw new TfeError('invalid', `no organization membership ${id} in this organization`, 'id');
    if (m.status === 'active' && m.userId) {
      if (add) {
        const r = await deps.store.teams.addMembers(team.id, [m.userId]);
        if (!r.ok) throw new TfeError('invalid', `cannot add membership ${id}: ${r.reason}`, 'id');
      } else await removeTeamMembers(deps, team, [m.userId]);
    } else {
      const teams = new Set(m.initialTeamIds);
      if (add) teams.add(team.id);
      else teams.delete(team.id);
      await deps.store.orgMemberships.setInitialTeams(m.id, [...teams]);
    }
  }
}

/**
 * MemberOf sync for one organization (rule S5, team management on): the user ends up in exactly
 * the teams named by their MemberOf values (by team name or sso-team-id); unknown names are
 * ignored. The owners team is decided only by the organization's owners-team-saml-role-id: when
 * that is unset, owners membership is left as it is; the sync never empties owners.
 */
export async function syncTeamsFromMemberOf(deps: TfeDeps, org: OrganizationRecord, user: UserRecord, memberOf: string[]): Promise<{ added: string[]; removed: string[] }> {
  const values = new Set(memberOf);
  const wanted: string[] = [];
  const { items: teams } = await deps.store.teams.listByOrganization(org.id, { number: 1, size: 10_000 });
  const current = new Set((await deps.store.teams.teamsOfUser(user.id)).map((t) => t.id));
  for (const team of teams) {
    if (team.isOwners) {
      const inOwners = org.ownersTeamSamlRoleId === null ? current.has(team.id) : values.has(org.ownersTeamSamlRoleId);
      if (inOwners) wanted.push(team.id);
    } else if (values.has(team.name) || (team.ssoTeamId !== null && values.has(team.ssoTeamId))) {
      wanted.push(team.id);
    }
  }
  if (wanted.length > 0) await ensureActiveMembership(deps, org.id, user);
  return deps.store.teams.syncUserTeams(user.id, org.id, wanted);
}
