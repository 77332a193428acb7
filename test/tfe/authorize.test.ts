/**
 * authorize() for organizations and teams (DESIGN T2, T3, T7): this table is the specification.
 * Each row: who, what, on which target, allowed or not. Fail closed: anything not granted is false.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrgMembershipRecord, WorkspaceRecord } from '../../src/store/types.ts';
import { defaultSettings } from '../../src/tfe/workspaces.ts';
import { authorize, type Action, type AuthzFacts, type OrganizationScene } from '../../src/tfe/authorize.ts';
import {
  asOrgToken, asTeamToken, asUser, CALLERS, DEVELOPERS, FOREIGN, MANAGERS, NO_MEMBER_TOKENS, org, OTHER_ORG, OWNERS, PLATFORM, SECRET, user,
} from './fixtures.ts';

const alice = asUser();
const INVITE = { id: 'ou-1', organizationId: 'org-1', userId: 'user-1', email: 'alice@example.com', status: 'invited', initialTeamIds: [], createdAt: 0 } as unknown as OrgMembershipRecord;
const WORKSPACE: WorkspaceRecord = { id: 'ws-1', organizationId: 'org-1', name: 'app', createdAt: 0, updatedAt: 0, settings: defaultSettings(), lockedBy: null, lockReason: null, currentRunId: null, currentStateVersionId: null };
const SCENE: OrganizationScene = { teams: [OWNERS, DEVELOPERS, PLATFORM, MANAGERS, SECRET, NO_MEMBER_TOKENS], workspaces: [WORKSPACE], teamAccess: [] };
const facts = (o: Partial<AuthzFacts>): AuthzFacts => ({ principal: alice, teams: [], organization: org(), ...o });

const table: Array<[string, AuthzFacts, Action, boolean]> = [
  // Seeing the organization at all (T7: otherwise 404)
  ['a member of a team reads the organization', facts({ teams: [DEVELOPERS] }), 'organization:read', true],
  ['an active member without teams reads it', facts({ isMember: true }), 'organization:read', true],
  ['an outsider does not', facts({}), 'organization:read', false],
  ['a team of ANOTHER organization does not count', facts({ teams: [FOREIGN] }), 'organization:read', false],
  ['a site admin reads any organization', facts({ principal: asUser(user({ isSiteAdmin: true })) }), 'organization:read', true],
  ['the organization token reads its organization', facts({ principal: asOrgToken() }), 'organization:read', true],
  ["an organization token of another organization cannot", facts({ principal: asOrgToken(OTHER_ORG) }), 'organization:read', false],
  ['a team token reads its own organization', facts({ principal: asTeamToken(DEVELOPERS) }), 'organization:read', true],
  ["a team token of another organization's team cannot", facts({ principal: asTeamToken(FOREIGN, OTHER_ORG) }), 'organization:read', false],
  ['no organization in the facts: fail closed', { principal: alice, teams: [DEVELOPERS] }, 'organization:read', false],
  // Organization settings
  ['owners update the organization', CALLERS.owner!(), 'organization:update', true],
  ['developers do not', CALLERS['member (developers)']!(), 'organization:update', false],
  ['T3: the organization token updates it', CALLERS['organization token']!(), 'organization:update', true],
  ['the organization token cannot destroy its organization', CALLERS['organization token']!(), 'organization:destroy', false],
  ['the organization token cannot change authentication settings', CALLERS['organization token']!(), 'organization:update-authentication', false],
  ['T3: the owners team token acts as an owner (destroy)', CALLERS['owners team token']!(), 'organization:destroy', true],
  ['org creation: site admins only', { principal: asUser(user({ isSiteAdmin: true })), teams: [] }, 'organization:create', true],
  ['org creation: not a plain user', { principal: alice, teams: [] }, 'organization:create', false],
  ['org creation: not an organization token', { principal: asOrgToken(), teams: [] }, 'organization:create', false],
  // T2: the organization token
  ['T2: owners manage the organization token', CALLERS.owner!(), 'organization:manage-token', true],
  ['T2: the owners team token manages it', CALLERS['owners team token']!(), 'organization:manage-token', true],
  ['T2: the organization token manages itself', CALLERS['organization token']!(), 'organization:manage-token', true],
  ['T2: site admins manage it', CALLERS['site admin']!(), 'organization:manage-token', true],
  ['T2: a non-owner member cannot', CALLERS['member (developers)']!(), 'organization:manage-token', false],
  ['T2: even a team with every other permission cannot', facts({ teams: [MANAGERS, PLATFORM] }), 'organization:manage-token', false],
  ['T2: a non-owner team token cannot', CALLERS['team token (manage-workspaces)']!(), 'organization:manage-token', false],
  // Organization access flags
  ['manage-workspaces grants workspace management', facts({ teams: [PLATFORM] }), 'organization:manage-workspaces', true],
  ['read-workspaces does not', facts({ teams: [DEVELOPERS] }), 'organization:manage-workspaces', false],
  ['manage-membership grants inviting members', facts({ teams: [MANAGERS] }), 'organization:manage-memberships', true],
  // Teams
  ['owners create teams', CALLERS.owner!(), 'team:create', true],
  ['manage-teams creates teams', facts({ teams: [MANAGERS] }), 'team:create', true],
  ['developers do not create teams', facts({ teams: [DEVELOPERS] }), 'team:create', false],
  ['T3: the organization token creates teams', CALLERS['organization token']!(), 'team:create', true],
  ['an organization-visible team is read by any member', facts({ teams: [DEVELOPERS], team: PLATFORM }), 'team:read', true],
  ['a secret team is hidden from non-members', facts({ teams: [DEVELOPERS], team: SECRET }), 'team:read', false],
  ['a secret team is seen by its members', facts({ teams: [SECRET], team: SECRET }), 'team:read', true],
  ['a secret team is seen by owners', CALLERS.owner!(SECRET), 'team:read', true],
  ['a secret team is seen by its own token', facts({ principal: asTeamToken(SECRET), team: SECRET }), 'team:read', true],
  ['a team of another organization is never a target', CALLERS.owner!(FOREIGN), 'team:read', false],
  ['the owners team is never destroyed, even by owners', CALLERS.owner!(OWNERS), 'team:destroy', false],
  ['owners destroy other teams', CALLERS.owner!(DEVELOPERS), 'team:destroy', true],
  ['manage-teams may not edit the owners team', facts({ teams: [MANAGERS], team: OWNERS }), 'team:update', false],
  ['manage-membership may not change who owns the organization', facts({ teams: [MANAGERS], team: OWNERS }), 'team:manage-members', false],
  ['owners change owners membership', CALLERS.owner!(OWNERS), 'team:manage-members', true],
  ['developers do not manage members', facts({ teams: [DEVELOPERS], team: DEVELOPERS }), 'team:manage-members', false],
  // T2: team tokens
  ['T2: any member manages their team token', facts({ teams: [DEVELOPERS], team: DEVELOPERS }), 'team:manage-token', true],
  ["T2: not another team's token", facts({ teams: [DEVELOPERS], team: PLATFORM }), 'team:manage-token', false],
  ['T2: not when the team turned allow-member-token-management off', facts({ teams: [NO_MEMBER_TOKENS], team: NO_MEMBER_TOKENS }), 'team:manage-token', false],
  ['T2: owners manage every team token', CALLERS.owner!(PLATFORM), 'team:manage-token', true],
  ['T2: site admins manage every team token', CALLERS['site admin']!(PLATFORM), 'team:manage-token', true],
  // The minting invariant: no credential stronger than its minter.
  ['the organization token manages the token of a team with no more rights than it', { ...CALLERS['organization token']!(DEVELOPERS), scene: SCENE }, 'team:manage-token', true],
  ['the organization token may not mint the token of a team that may start runs (T3: it cannot)', { ...CALLERS['organization token']!(PLATFORM), scene: SCENE }, 'team:manage-token', false],
  ['regression: the organization token may not mint the owners team token', { ...CALLERS['organization token']!(OWNERS), scene: SCENE }, 'team:manage-token', false],
  ['regression: a manage-teams member may not mint the owners team token', { ...facts({ teams: [MANAGERS], team: OWNERS }), scene: SCENE }, 'team:manage-token', false],
  ['a manage-teams member mints the token of a team weaker than theirs', { ...facts({ teams: [MANAGERS], team: NO_MEMBER_TOKENS }), scene: SCENE }, 'team:manage-token', true],
  ['a manage-teams member may not mint a read-workspaces token (they cannot read workspaces)', { ...facts({ teams: [MANAGERS], team: DEVELOPERS }), scene: SCENE }, 'team:manage-token', false],
  ['a manage-teams member may not mint a stronger team token (manage-workspaces)', { ...facts({ teams: [MANAGERS], team: PLATFORM }), scene: SCENE }, 'team:manage-token', false],
  ['without the organization scene the comparison fails closed', facts({ teams: [MANAGERS], team: NO_MEMBER_TOKENS }), 'team:manage-token', false],
  ['T2: a team token regenerates its own team token', facts({ principal: asTeamToken(DEVELOPERS), team: DEVELOPERS }), 'team:manage-token', true],
  ["T2: a team token cannot touch another team's token", facts({ principal: asTeamToken(DEVELOPERS), team: PLATFORM }), 'team:manage-token', false],
  // Invitations: only the invited user answers
  ['the invited user answers their invitation', facts({ membership: INVITE }), 'membership:answer-invitation', true],
  ['an owner of the inviting organization may not answer for them', { ...CALLERS.owner!(), membership: INVITE }, 'membership:answer-invitation', false],
  ['a site admin may not answer for them', { ...CALLERS['site admin']!(), membership: INVITE }, 'membership:answer-invitation', false],
  ['the organization token may not answer', { ...CALLERS['organization token']!(), membership: INVITE }, 'membership:answer-invitation', false],
];

describe('authorize: organizations and teams', () => {
  for (const [name, f, action, expected] of table) {
    it(`${name} (${action} -> ${expected})`, () => assert.equal(authorize(f, action), expected));
  }

  it('an outsider is refused every organization and team action', () => {
    const actions: Action[] = ['organization:read', 'organization:update', 'organization:manage-token', 'organization:manage-workspaces', 'team:create', 'team:read', 'team:manage-token'];
    for (const a of actions) assert.equal(authorize(CALLERS.outsider!(DEVELOPERS), a), false, a);
  });
});
