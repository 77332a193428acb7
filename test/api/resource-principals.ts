/**
 * The principals of the resource families' truth rows: owner user, plain member, a team token
 * with and without one organization-access flag, and the organization token.
 */
import { randomIds } from '../../src/ids.ts';
import type { TeamRecord } from '../../src/store/types.ts';
import type { Seeded } from '../support/workspaces.ts';

export interface Row {
  who: string;
  secret: string;
}

/** A team holding only `flag`, and a team token for it minted through the API by the owners' user. */
export async function teamTokenWith(w: Seeded, flag: string): Promise<string> {
  const team: TeamRecord = {
    id: `team-${randomIds.random(16)}`,
    organizationId: w.org.id,
    name: `with-${flag}`,
    ssoTeamId: null,
    visibility: 'organization',
    organizationAccess: { [flag]: true },
    allowMemberTokenManagement: true,
    isOwners: false,
    createdAt: w.h.clock.now(),
  };
  await w.h.store.teams.create(team);
  const res = await w.api('post', `/api/v2/teams/${team.id}/authentication-token`, w.tokens.carol, { data: { type: 'authentication-tokens', attributes: {} } }).expect(201);
  return res.body.data.attributes.token;
}

export async function truthRows(w: Seeded, flag: string): Promise<Row[]> {
  return [
    { who: 'owner user', secret: w.tokens.carol },
    { who: 'plain member', secret: w.tokens.alice },
    { who: `team token with ${flag}`, secret: await teamTokenWith(w, flag) },
    { who: `team token without ${flag}`, secret: w.tokens.developers },
    { who: 'organization token', secret: w.tokens.organization },
  ];
}

/** The organization's `permissions[key]` as `secret` reads it (false when the organization is hidden). */
export async function organizationFlag(w: Seeded, secret: string, key: string): Promise<boolean> {
  const res = await w.api('get', `/api/v2/organizations/${w.org.name}`, secret);
  return res.status === 200 ? res.body.data.attributes.permissions[key] === true : false;
}
