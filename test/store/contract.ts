/**
 * The store contract: every method of src/store/types.ts and every semantics it promises, run
 * against each implementation (memory.test.ts, sqlite.test.ts) so a later PostgreSQL or Redis
 * backend plugs into the same suite.
 */
import assert from 'node:assert/strict';
import { beforeEach, afterEach, describe, it } from 'node:test';
import {
  StoreConflictError,
  type LoginInput,
  type OrganizationRecord,
  type OrgMembershipRecord,
  type SessionRecord,
  type Store,
  type TeamRecord,
  type TokenRecord,
} from '../../src/store/types.ts';

export interface ContractOptions {
  /** A fresh, empty store. */
  create(): Promise<Store>;
}

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;
const id = (p: string) => `${p}-${String(++seq).padStart(16, '0')}`;

export function loginInput(over: Partial<LoginInput> & { email: string }): LoginInput {
  return {
    username: over.email.split('@')[0]!,
    isSiteAdmin: false,
    isServiceAccount: false,
    memberOf: [],
    loginFindings: [],
    now: T0,
    newUserId: id('user'),
    ...over,
  };
}

export function org(over: Partial<OrganizationRecord> = {}): OrganizationRecord {
  return { id: id('org'), name: `org-${seq}`, email: 'admin@example.com', createdAt: T0, sessionTimeoutMinutes: 20160, sessionRememberMinutes: 20160, ownersTeamSamlRoleId: null, attributes: { 'cost-estimation-enabled': true, nested: { a: [1] } }, ...over };
}

export function team(organizationId: string, over: Partial<TeamRecord> = {}): TeamRecord {
  return { id: id('team'), organizationId, name: `team-${seq}`, ssoTeamId: null, visibility: 'organization', organizationAccess: { 'manage-workspaces': false }, allowMemberTokenManagement: true, isOwners: false, createdAt: T0, ...over };
}

export function token(over: Partial<TokenRecord> & { ownerId: string }): TokenRecord {
  return { id: id('at'), kind: 'user', description: null, secretHash: `hash-${id('h')}`, createdAt: T0 + seq, lastUsedAt: null, expiredAt: null, createdById: null, singular: false, ...over };
}

const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({ sid: id('sid'), userId: null, expiresAt: T0 + 3_600_000, data: '{"x":1}', ...over });

export function storeContract(name: string, o: ContractOptions): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await o.create();
    });
    afterEach(async () => {
      await store.close();
    });

    const user = async (email: string, over: Partial<LoginInput> = {}) => {
      const r = await store.users.recordLogin(loginInput({ email, ...over }));
      assert.ok(r.ok, `login of ${email}`);
      return r.user;
    };

    describe('users', () => {
      it('recordLogin creates, then updates the same user (email matched case-insensitively), syncing the flag and its time', async () => {
        const first = await store.users.recordLogin(loginInput({ email: 'Alice@Example.com', isServiceAccount: true, memberOf: ['developers'], loginFindings: [{ code: 'F1_X', message: 'm', fix: 'f' }] }));
        assert.ok(first.ok && first.created);
        assert.equal(first.user.isServiceAccount, true);
        assert.deepEqual(first.user.memberOf, ['developers']);
        assert.deepEqual(first.user.loginFindings, [{ code: 'F1_X', message: 'm', fix: 'f' }]);
        const again = await store.users.recordLogin(loginInput({ email: 'alice@example.com', username: 'Alice', isServiceAccount: false, isSiteAdmin: true, now: T0 + 1000 }));
        assert.ok(again.ok && !again.created);
        assert.equal(again.user.id, first.user.id);
        assert.equal(again.user.isServiceAccount, false);
        assert.equal(again.user.serviceAccountSyncedAt, T0 + 1000);
        assert.equal(again.user.lastLoginAt, T0 + 1000);
        assert.equal(again.user.createdAt, T0);
        assert.equal(again.user.isSiteAdmin, true);
        assert.equal(again.user.username, 'Alice');
        assert.equal((await store.users.getByEmail('ALICE@example.COM'))?.id, first.user.id);
        assert.equal((await store.users.getByUsername('Alice'))?.id, first.user.id);
        assert.equal(await store.users.getByUsername('alice'), undefined, 'the old username is free again');
        assert.deepEqual(await store.users.get(first.user.id), again.user);
      });

      it('two first logins whose usernames collide: the second is one clear refusal and changes nothing', async () => {
        const a = await user('sam@one.example', { username: 'sam' });
        const r = await store.users.recordLogin(loginInput({ email: 'sam@two.example', username: 'sam' }));
        assert.equal(r.ok, false);
        assert.ok(!r.ok && r.reason === 'username-taken' && r.owner.id === a.id);
        assert.equal(await store.users.getByEmail('sam@two.example'), undefined);
        assert.equal(await store.users.count(), 1);
      });

      it('a suspended user cannot log in, and the refused login changes nothing (S4)', async () => {
        const u = await user('sus@example.com', { isServiceAccount: false });
        assert.deepEqual(await store.users.setSuspended(u.id, true).then((r) => r.ok), true);
        const r = await store.users.recordLogin(loginInput({ email: 'sus@example.com', isServiceAccount: true, now: T0 + 5 }));
        assert.ok(!r.ok && r.reason === 'suspended');
        const after = (await store.users.get(u.id))!;
        assert.equal(after.isSuspended, true);
        assert.equal(after.isServiceAccount, false);
        assert.equal(after.lastLoginAt, T0);
      });

      it('setSuspended is a compare-and-set that ends the user\'s sessions in the same step', async () => {
        const u = await user('cas@example.com');
        await store.sessions.set(session({ userId: u.id, sid: 's-cas-1' }));
        await store.sessions.set(session({ userId: u.id, sid: 's-cas-2' }));
        const done = await store.users.setSuspended(u.id, true);
        assert.ok(done.ok && done.user.isSuspended && done.sessionsEnded === 2);
        assert.deepEqual(await store.users.setSuspended(u.id, true), { ok: false, reason: 'already' });
        assert.equal(await store.sessions.get('s-cas-1'), undefined);
        await store.sessions.set(session({ userId: u.id, sid: 's-cas-1' }));
        assert.equal(await store.sessions.get('s-cas-1'), undefined, 'an ended session stays ended');
        const un = await store.users.setSuspended(u.id, false);
        assert.ok(un.ok && !un.user.isSuspended && un.sessionsEnded === 0);
        assert.deepEqual(await store.users.setSuspended(u.id, false), { ok: false, reason: 'already' });
        assert.deepEqual(await store.users.setSuspended('user-nobody', true), { ok: false, reason: 'not-found' });
      });

      it('list filters, sorts by username and pages with the true total; count agrees', async () => {
        await user('zed@example.com', { isSiteAdmin: true });
        await user('amy@example.com', { isServiceAccount: true });
        await user('bea@other.org');
        const sus = await user('cy@example.com');
        await store.users.setSuspended(sus.id, true);
        const all = await store.users.list({}, { number: 1, size: 2 });
        assert.equal(all.total, 4);
        assert.deepEqual(all.items.map((u) => u.username), ['amy', 'bea']);
        const p2 = await store.users.list({}, { number: 2, size: 2 });
        assert.deepEqual(p2.items.map((u) => u.username), ['cy', 'zed']);
        const past = await store.users.list({}, { number: 9, size: 2 });
        assert.deepEqual(past, { items: [], total: 4 });
        assert.deepEqual((await store.users.list({ q: 'EXAMPLE' }, { number: 1, size: 10 })).items.map((u) => u.username), ['amy', 'cy', 'zed']);
        assert.deepEqual((await store.users.list({ siteAdmin: true }, { number: 1, size: 10 })).items.map((u) => u.username), ['zed']);
        assert.deepEqual((await store.users.list({ suspended: true }, { number: 1, size: 10 })).items.map((u) => u.username), ['cy']);
        assert.deepEqual((await store.users.list({ serviceAccount: true }, { number: 1, size: 10 })).items.map((u) => u.username), ['amy']);
        assert.equal(await store.users.count({ q: 'other' }), 1);
        assert.equal(await store.users.count(), 4);
      });

      it('update changes username/email; a taken one throws StoreConflictError', async () => {
        const a = await user('a1@example.com');
        const b = await user('b1@example.com');
        const changed = await store.users.update(a.id, { username: 'a-new', email: 'A-New@example.com' });
        assert.equal(changed?.username, 'a-new');
        assert.equal((await store.users.getByEmail('a-new@example.com'))?.id, a.id);
        await assert.rejects(store.users.update(b.id, { username: 'a-new' }), StoreConflictError);
        await assert.rejects(store.users.update(b.id, { email: 'a-NEW@example.com' }), StoreConflictError);
        assert.equal(await store.users.update('user-nobody', { username: 'x' }), undefined);
        assert.equal((await store.users.get(b.id))?.username, 'b1');
      });

      it('unconfirmedEmail (PATCH account/update) is kept until the next login clears it', async () => {
        const a = await user('ue@example.com');
        assert.equal((await store.users.get(a.id))?.unconfirmedEmail ?? null, null);
        await store.users.update(a.id, { unconfirmedEmail: 'new@example.com' });
        assert.equal((await store.users.get(a.id))?.unconfirmedEmail, 'new@example.com');
        assert.equal((await store.users.get(a.id))?.email, 'ue@example.com', 'the email itself stays the NameID');
        const again = await store.users.recordLogin(loginInput({ email: 'ue@example.com', now: T0 + 1000 }));
        assert.ok(again.ok);
        assert.equal(again.user.unconfirmedEmail ?? null, null);
        assert.equal((await store.users.get(a.id))?.unconfirmedEmail ?? null, null);
      });

      it('records are copies: mutating one never changes stored state', async () => {
        const u = await user('copy@example.com', { memberOf: ['a'] });
        u.memberOf.push('b');
        u.isSuspended = true;
        const again = (await store.users.get(u.id))!;
        assert.deepEqual(again.memberOf, ['a']);
        assert.equal(again.isSuspended, false);
      });
    });

    describe('organizations, teams, memberships', () => {
      it('create makes the organization with its owners team and first owner; a taken name conflicts', async () => {
        const u = await user('owner@example.com');
        const o = org({ name: 'acme' });
        const owners = team(o.id, { name: 'owners' });
        await store.organizations.create(o, owners, u.id);
        assert.deepEqual(await store.organizations.get(o.id), o);
        assert.deepEqual(await store.organizations.getByName('acme'), o);
        const ownersTeam = (await store.teams.getOwners(o.id))!;
        assert.equal(ownersTeam.id, owners.id);
        assert.equal(ownersTeam.isOwners, true);
        assert.deepEqual((await store.teams.listMembers(owners.id, { number: 1, size: 10 })).items.map((m) => m.id), [u.id]);
        await assert.rejects(store.organizations.create(org({ name: 'acme' }), team('x', { name: 'owners' }), null), StoreConflictError);
        assert.equal((await store.organizations.list({ number: 1, size: 10 })).total, 1);
      });

      it('update renames (conflicts typed), keeps id/createdAt, and round-trips attributes', async () => {
        const a = org({ name: 'a-org' });
        const b = org({ name: 'b-org' });
        await store.organizations.create(a, team(a.id, { name: 'owners' }), null);
        await store.organizations.create(b, team(b.id, { name: 'owners' }), null);
        const renamed = await store.organizations.update(a.id, { name: 'a2', attributes: { x: 1 }, sessionTimeoutMinutes: 5 });
        assert.equal(renamed?.name, 'a2');
        assert.deepEqual(renamed?.attributes, { x: 1 });
        assert.equal(renamed?.sessionTimeoutMinutes, 5);
        assert.equal(renamed?.createdAt, a.createdAt);
        assert.equal(await store.organizations.getByName('a-org'), undefined);
        await assert.rejects(store.organizations.update(b.id, { name: 'a2' }), StoreConflictError);
        assert.equal(await store.organizations.update('org-none', { name: 'z' }), undefined);
      });

      it('list sorts by name, filters by q and by the user\'s teams or memberships, with totals', async () => {
        const u = await user('lister@example.com');
        for (const n of ['gamma', 'alpha', 'beta']) {
          const o = org({ name: n });
          await store.organizations.create(o, team(o.id, { name: 'owners' }), n === 'beta' ? u.id : null);
          if (n === 'gamma') await store.orgMemberships.create({ id: id('ou'), organizationId: o.id, email: u.email, userId: u.id, status: 'active', initialTeamIds: [], createdAt: T0 });
        }
        const all = await store.organizations.list({ number: 1, size: 2 });
        assert.deepEqual([all.total, all.items.map((o) => o.name)], [3, ['alpha', 'beta']]);
        const mine = await store.organizations.list({ number: 1, size: 10 }, { userId: u.id });
        assert.deepEqual([mine.total, mine.items.map((o) => o.name)], [2, ['beta', 'gamma']]);
        assert.deepEqual((await store.organizations.list({ number: 1, size: 10 }, { q: 'ALP' })).items.map((o) => o.name), ['alpha']);
      });

      it('teams: create (name unique per organization), get, getByName, list with names/q and totals, update, delete', async () => {
        const o = org();
        await store.organizations.create(o, team(o.id, { name: 'owners' }), null);
        const dev = team(o.id, { name: 'developers', ssoTeamId: 'devs', organizationAccess: { 'manage-workspaces': true } });
        await store.teams.create(dev);
        await assert.rejects(store.teams.create(team(o.id, { name: 'developers' })), StoreConflictError);
        await assert.rejects(store.teams.create(team('org-missing', { name: 'x' })), StoreConflictError);
        assert.deepEqual(await store.teams.get(dev.id), dev);
        assert.deepEqual(await store.teams.getByName(o.id, 'developers'), dev);
        const listed = await store.teams.listByOrganization(o.id, { number: 1, size: 1 });
        assert.deepEqual([listed.total, listed.items.map((t) => t.name)], [2, ['developers']]);
        assert.deepEqual((await store.teams.listByOrganization(o.id, { number: 1, size: 10 }, { names: ['owners', 'nope'] })).items.map((t) => t.name), ['owners']);
        assert.deepEqual((await store.teams.listByOrganization(o.id, { number: 1, size: 10 }, { q: 'DEV' })).items.map((t) => t.name), ['developers']);
        const upd = await store.teams.update(dev.id, { name: 'devs', visibility: 'secret', allowMemberTokenManagement: false });
        assert.deepEqual([upd?.name, upd?.visibility, upd?.allowMemberTokenManagement, upd?.organizationAccess], ['devs', 'secret', false, { 'manage-workspaces': true }]);
        await assert.rejects(store.teams.update(dev.id, { name: 'owners' }), StoreConflictError);
        assert.equal(await store.teams.delete((await store.teams.getOwners(o.id))!.id), 'owners');
        assert.equal(await store.teams.delete(dev.id), 'deleted');
        assert.equal(await store.teams.delete(dev.id), 'not-found');
        assert.equal(await store.teams.get(dev.id), undefined);
      });

      it('members: add is idempotent, remove refuses to empty owners, listMembers sorted with total, teamsOfUser', async () => {
        const a = await user('m-a@example.com');
        const b = await user('m-b@example.com');
        const o = org();
        const owners = team(o.id, { name: 'owners' });
        await store.organizations.create(o, owners, a.id);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        assert.deepEqual(await store.teams.addMembers(dev.id, [a.id, b.id]), { ok: true, changed: 2 });
        assert.deepEqual(await store.teams.addMembers(dev.id, [a.id]), { ok: true, changed: 0 });
        assert.deepEqual(await store.teams.addMembers(dev.id, ['user-nobody']), { ok: false, reason: 'user-not-found' });
        assert.deepEqual(await store.teams.addMembers('team-nope', [a.id]), { ok: false, reason: 'team-not-found' });
        const members = await store.teams.listMembers(dev.id, { number: 1, size: 1 });
        assert.deepEqual([members.total, members.items.map((u) => u.username)], [2, ['m-a']]);
        assert.deepEqual(await store.teams.removeMembers(owners.id, [a.id]), { ok: false, reason: 'last-owner' });
        assert.deepEqual(await store.teams.removeMembers('team-nope', [a.id]), { ok: false, reason: 'team-not-found' });
        await store.teams.addMembers(owners.id, [b.id]);
        assert.deepEqual(await store.teams.removeMembers(owners.id, [a.id, b.id]), { ok: false, reason: 'last-owner' }, 'all owners at once is refused too');
        assert.deepEqual(await store.teams.removeMembers(owners.id, [a.id]), { ok: true, changed: 1 });
        assert.deepEqual((await store.teams.teamsOfUser(b.id)).map((t) => t.id).sort(), [dev.id, owners.id].sort());
        assert.deepEqual((await store.teams.teamsOfUser(a.id)).map((t) => t.id), [dev.id]);
        assert.deepEqual(await store.teams.removeMembers(dev.id, [a.id, 'user-nobody']), { ok: true, changed: 1 });
      });

      it('syncUserTeams makes membership in one organization exactly the given teams, never emptying owners', async () => {
        const u = await user('sync@example.com');
        const o = org();
        const owners = team(o.id, { name: 'owners' });
        await store.organizations.create(o, owners, u.id);
        const t1 = team(o.id, { name: 't1' });
        const t2 = team(o.id, { name: 't2' });
        await store.teams.create(t1);
        await store.teams.create(t2);
        const other = org();
        const otherOwners = team(other.id, { name: 'owners' });
        await store.organizations.create(other, otherOwners, u.id);
        const r = await store.teams.syncUserTeams(u.id, o.id, [t1.id, otherOwners.id, 'team-nope']);
        assert.deepEqual(r.added, [t1.id]);
        assert.deepEqual(r.removed, [], 'the only owner stays in owners');
        const r2 = await store.teams.syncUserTeams(u.id, o.id, [t2.id]);
        assert.deepEqual([r2.added, r2.removed], [[t2.id], [t1.id]]);
        assert.deepEqual((await store.teams.teamsOfUser(u.id)).map((t) => t.id).sort(), [owners.id, t2.id, otherOwners.id].sort());
      });

      it('memberships: create (one per email per organization), get, getByEmail, list, listByUser, activate, delete', async () => {
        const o = org();
        const owners = team(o.id, { name: 'owners' });
        const boss = await user('boss@example.com');
        await store.organizations.create(o, owners, boss.id);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        const inv: OrgMembershipRecord = { id: id('ou'), organizationId: o.id, email: 'New@Example.com', userId: null, status: 'invited', initialTeamIds: [dev.id], createdAt: T0 };
        await store.orgMemberships.create(inv);
        await assert.rejects(store.orgMemberships.create({ ...inv, id: id('ou'), email: 'new@example.com' }), StoreConflictError);
        await assert.rejects(store.orgMemberships.create({ ...inv, id: id('ou'), organizationId: 'org-none' }), StoreConflictError);
        assert.deepEqual(await store.orgMemberships.get(inv.id), inv);
        assert.deepEqual(await store.orgMemberships.getByEmail(o.id, 'NEW@example.com'), inv);
        const bossM: OrgMembershipRecord = { id: id('ou'), organizationId: o.id, email: boss.email, userId: boss.id, status: 'active', initialTeamIds: [], createdAt: T0 + 1 };
        await store.orgMemberships.create(bossM);
        const invited = await store.orgMemberships.listByOrganization(o.id, { number: 1, size: 10 }, { status: 'invited' });
        assert.deepEqual([invited.total, invited.items.map((m) => m.id)], [1, [inv.id]]);
        const page = await store.orgMemberships.listByOrganization(o.id, { number: 2, size: 1 });
        assert.deepEqual([page.total, page.items.map((m) => m.id)], [2, [bossM.id]]);
        assert.deepEqual((await store.orgMemberships.listByOrganization(o.id, { number: 1, size: 10 }, { q: 'BOSS' })).items.map((m) => m.id), [bossM.id]);

        const newbie = await user('new@example.com');
        const activated = await store.orgMemberships.activateInvitations('NEW@example.com', newbie.id);
        assert.deepEqual(activated.map((m) => [m.id, m.status, m.userId]), [[inv.id, 'active', newbie.id]]);
        assert.deepEqual(await store.orgMemberships.activateInvitations('new@example.com', newbie.id), [], 'already active');
        assert.deepEqual((await store.teams.teamsOfUser(newbie.id)).map((t) => t.id), [dev.id]);
        assert.deepEqual((await store.orgMemberships.listByUser(newbie.id)).map((m) => m.id), [inv.id]);

        assert.equal(await store.orgMemberships.delete(bossM.id), 'last-owner');
        assert.equal(await store.orgMemberships.delete(inv.id), 'deleted');
        assert.deepEqual(await store.teams.teamsOfUser(newbie.id), [], 'leaving the organization leaves its teams');
        assert.equal(await store.orgMemberships.delete(inv.id), 'not-found');
      });

      it('an invitation naming an existing user waits for acceptInvitation: a login does not activate it, and until accepted it is not membership', async () => {
        const o = org({ name: 'inviting' });
        const boss = await user('boss2@example.com');
        await store.organizations.create(o, team(o.id, { name: 'owners' }), boss.id);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        const u = await user('existing@example.com');
        const inv: OrgMembershipRecord = { id: id('ou'), organizationId: o.id, email: u.email, userId: u.id, status: 'invited', initialTeamIds: [dev.id], createdAt: T0 };
        await store.orgMemberships.create(inv);
        assert.deepEqual(await store.teams.teamsOfUser(u.id), [], 'an invitation joins no team');
        assert.deepEqual(await store.orgMemberships.activateInvitations(u.email, u.id), [], 'a login does not accept for the user');
        assert.deepEqual((await store.organizations.list({ number: 1, size: 10 }, { userId: u.id })).items, [], 'an invitation is not membership');
        assert.deepEqual((await store.orgMemberships.listByUser(u.id)).map((m) => [m.id, m.status]), [[inv.id, 'invited']]);

        const other = await user('other@example.com');
        assert.deepEqual(await store.orgMemberships.acceptInvitation(inv.id, other.id), { ok: false, reason: 'not-found' }, 'only the user it names accepts');
        assert.deepEqual(await store.orgMemberships.acceptInvitation('ou-nope', u.id), { ok: false, reason: 'not-found' });
        const accepted = await store.orgMemberships.acceptInvitation(inv.id, u.id);
        assert.deepEqual(accepted, { ok: true, membership: { ...inv, status: 'active' } });
        assert.deepEqual(await store.orgMemberships.acceptInvitation(inv.id, u.id), { ok: false, reason: 'not-invited' }, 'a compare-and-set');
        assert.deepEqual((await store.teams.teamsOfUser(u.id)).map((t) => t.id), [dev.id], 'accepting joins the initial teams');
        assert.deepEqual((await store.organizations.list({ number: 1, size: 10 }, { userId: u.id })).items.map((x) => x.name), ['inviting']);
      });

      it('deleting an organization cascades to its teams, members, memberships and team/organization tokens', async () => {
        const u = await user('casc@example.com');
        const o = org();
        const owners = team(o.id, { name: 'owners' });
        await store.organizations.create(o, owners, u.id);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        await store.orgMemberships.create({ id: id('ou'), organizationId: o.id, email: u.email, userId: u.id, status: 'active', initialTeamIds: [], createdAt: T0 });
        const teamTok = token({ kind: 'team', ownerId: dev.id });
        const orgTok = token({ kind: 'organization', ownerId: o.id, singular: true });
        const userTok = token({ ownerId: u.id });
        for (const t of [teamTok, orgTok, userTok]) await store.tokens.create(t);
        assert.equal(await store.organizations.delete(o.id), true);
        assert.equal(await store.organizations.delete(o.id), false);
        assert.equal(await store.teams.get(dev.id), undefined);
        assert.deepEqual(await store.teams.teamsOfUser(u.id), []);
        assert.deepEqual(await store.orgMemberships.listByUser(u.id), []);
        assert.equal(await store.tokens.get(teamTok.id), undefined);
        assert.equal(await store.tokens.get(orgTok.id), undefined);
        assert.ok(await store.tokens.get(userTok.id), 'user tokens are not the organization\'s');
        assert.ok(await store.users.get(u.id));
      });

      it('deleting a team deletes its tokens and memberships', async () => {
        const u = await user('td@example.com');
        const o = org();
        await store.organizations.create(o, team(o.id, { name: 'owners' }), null);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        await store.teams.addMembers(dev.id, [u.id]);
        const t = token({ kind: 'team', ownerId: dev.id, singular: true });
        await store.tokens.create(t);
        assert.equal(await store.teams.delete(dev.id), 'deleted');
        assert.equal(await store.tokens.get(t.id), undefined);
        assert.equal(await store.tokens.resolve(t.secretHash, T0), undefined);
        assert.deepEqual(await store.teams.teamsOfUser(u.id), []);
      });
    });

    describe('tokens', () => {
      it('create, get, delete; a duplicate id or secret hash throws StoreConflictError', async () => {
        const u = await user('tok@example.com');
        const t = token({ ownerId: u.id, description: 'ci', expiredAt: T0 + 99, createdById: u.id });
        await store.tokens.create(t);
        assert.deepEqual(await store.tokens.get(t.id), t);
        await assert.rejects(store.tokens.create({ ...t, secretHash: 'other' }), StoreConflictError);
        await assert.rejects(store.tokens.create({ ...t, id: id('at') }), StoreConflictError);
        assert.equal(await store.tokens.count(), 1);
        assert.equal(await store.tokens.delete(t.id), true);
        assert.equal(await store.tokens.delete(t.id), false);
        assert.equal(await store.tokens.get(t.id), undefined);
      });

      it('replaceSingular swaps the one singular token in one step: the old secret is refused at once (T1)', async () => {
        const o = org();
        await store.organizations.create(o, team(o.id, { name: 'owners' }), null);
        const first = token({ kind: 'organization', ownerId: o.id, singular: true });
        assert.equal(await store.tokens.replaceSingular(first), null);
        const second = token({ kind: 'organization', ownerId: o.id, singular: false });
        assert.equal(await store.tokens.replaceSingular(second), first.id);
        assert.equal(await store.tokens.resolve(first.secretHash, T0), undefined);
        assert.equal((await store.tokens.resolve(second.secretHash, T0))?.token.id, second.id);
        assert.equal((await store.tokens.getSingular('organization', o.id))?.id, second.id);
        assert.equal((await store.tokens.getSingular('organization', o.id))?.singular, true, 'stored as singular whatever the input said');
        await assert.rejects(store.tokens.replaceSingular({ ...token({ kind: 'organization', ownerId: o.id }), secretHash: second.secretHash }), StoreConflictError);
        assert.equal((await store.tokens.getSingular('organization', o.id))?.id, second.id, 'a refused replacement keeps the current token');
        assert.equal(await store.tokens.getSingular('team', o.id), undefined);
      });

      it('listByOwner sorts by createdAt then id, filters singular, pages with totals; descriptionTaken ignores singular tokens', async () => {
        const o = org();
        await store.organizations.create(o, team(o.id, { name: 'owners' }), null);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        const legacy = token({ kind: 'team', ownerId: dev.id, singular: true, description: 'same', createdAt: T0 + 3 });
        const d1 = token({ kind: 'team', ownerId: dev.id, description: 'd1', createdAt: T0 + 1 });
        const d2 = token({ kind: 'team', ownerId: dev.id, description: 'd2', createdAt: T0 + 1 });
        for (const t of [legacy, d2, d1]) await store.tokens.create(t);
        const all = await store.tokens.listByOwner('team', dev.id, { number: 1, size: 2 });
        assert.deepEqual([all.total, all.items.map((t) => t.id)], [3, [d1.id, d2.id].sort()]);
        const described = await store.tokens.listByOwner('team', dev.id, { number: 1, size: 10 }, { singular: false });
        assert.equal(described.total, 2);
        assert.deepEqual((await store.tokens.listByOwner('team', dev.id, { number: 1, size: 10 }, { singular: true })).items.map((t) => t.id), [legacy.id]);
        assert.deepEqual(await store.tokens.listByOwner('user', dev.id, { number: 1, size: 10 }), { items: [], total: 0 });
        const orgTeams = await store.tokens.listTeamTokensOfOrganization(o.id, { number: 1, size: 10 });
        assert.equal(orgTeams.total, 3);
        assert.equal(await store.tokens.descriptionTaken('team', dev.id, 'd1'), true);
        assert.equal(await store.tokens.descriptionTaken('team', dev.id, 'same'), false);
        assert.equal(await store.tokens.descriptionTaken('team', dev.id, 'nope'), false);
      });

      it('resolve returns token + owner + the latest live session end in one call; flagged users skip the session', async () => {
        const alice = await user('res-a@example.com');
        const bob = await user('res-b@example.com', { isServiceAccount: true });
        const ta = token({ ownerId: alice.id });
        const tb = token({ ownerId: bob.id });
        await store.tokens.create(ta);
        await store.tokens.create(tb);
        let r = await store.tokens.resolve(ta.secretHash, T0);
        assert.deepEqual([r?.token, r?.user?.id, r?.webSessionLiveUntil], [ta, alice.id, null]);
        await store.sessions.set(session({ userId: alice.id, expiresAt: T0 + 100 }));
        await store.sessions.set(session({ userId: alice.id, expiresAt: T0 + 500 }));
        await store.sessions.set(session({ userId: alice.id, expiresAt: T0 - 1 }));
        await store.sessions.set(session({ userId: null, expiresAt: T0 + 9000 }));
        r = await store.tokens.resolve(ta.secretHash, T0);
        assert.equal(r?.webSessionLiveUntil, T0 + 500);
        assert.equal((await store.tokens.resolve(ta.secretHash, T0 + 500))?.webSessionLiveUntil, null, 'expiresAt is exclusive');
        await store.sessions.set(session({ userId: bob.id, expiresAt: T0 + 100 }));
        const rb = await store.tokens.resolve(tb.secretHash, T0);
        assert.deepEqual([rb?.user?.isServiceAccount, rb?.webSessionLiveUntil], [true, null]);
        assert.equal(await store.tokens.resolve('no-such-hash', T0), undefined);
        const orphan = token({ ownerId: 'user-gone' });
        await store.tokens.create(orphan);
        const ro = await store.tokens.resolve(orphan.secretHash, T0);
        assert.deepEqual([ro?.token.id, ro?.user, ro?.webSessionLiveUntil], [orphan.id, undefined, null]);
      });

      it('resolve of team and organization tokens carries the team and its organization', async () => {
        const o = org();
        await store.organizations.create(o, team(o.id, { name: 'owners' }), null);
        const dev = team(o.id, { name: 'dev' });
        await store.teams.create(dev);
        const tt = token({ kind: 'team', ownerId: dev.id });
        const ot = token({ kind: 'organization', ownerId: o.id, singular: true });
        await store.tokens.create(tt);
        await store.tokens.create(ot);
        const rt = await store.tokens.resolve(tt.secretHash, T0);
        assert.deepEqual([rt?.team, rt?.organization, rt?.user, rt?.webSessionLiveUntil], [dev, o, undefined, null]);
        const ro = await store.tokens.resolve(ot.secretHash, T0);
        assert.deepEqual([ro?.team, ro?.organization], [undefined, o]);
      });

      it('touch records last use and never moves it backwards', async () => {
        const t = token({ ownerId: 'user-x' });
        await store.tokens.create(t);
        await store.tokens.touch(t.id, T0 + 60_000);
        assert.equal((await store.tokens.get(t.id))?.lastUsedAt, T0 + 60_000);
        await store.tokens.touch(t.id, T0 + 1);
        assert.equal((await store.tokens.get(t.id))?.lastUsedAt, T0 + 60_000);
        await store.tokens.touch('at-missing', T0);
      });
    });

    describe('sessions, replay, settings', () => {
      it('set upserts, get returns a copy, listByUser and liveUntil see only live logins', async () => {
        const s = session({ userId: 'user-s', expiresAt: T0 + 10 });
        await store.sessions.set(s);
        assert.deepEqual(await store.sessions.get(s.sid), s);
        await store.sessions.set({ ...s, expiresAt: T0 + 20, data: '{"y":2}' });
        assert.deepEqual(await store.sessions.get(s.sid), { ...s, expiresAt: T0 + 20, data: '{"y":2}' });
        assert.deepEqual((await store.sessions.listByUser('user-s')).map((r) => r.sid), [s.sid]);
        assert.equal(await store.sessions.liveUntil('user-s', T0), T0 + 20);
        assert.equal(await store.sessions.liveUntil('user-s', T0 + 20), null);
        // A login-less session becoming a login, and a login moving to another user.
        const p = session({ userId: null });
        await store.sessions.set(p);
        await store.sessions.set({ ...p, userId: 'user-s', expiresAt: T0 + 30 });
        assert.equal(await store.sessions.liveUntil('user-s', T0), T0 + 30);
        await store.sessions.set({ ...p, userId: 'user-t', expiresAt: T0 + 30 });
        assert.equal(await store.sessions.liveUntil('user-s', T0), T0 + 20);
        assert.deepEqual((await store.sessions.listByUser('user-t')).map((r) => r.sid), [p.sid]);
      });

      it('a destroyed session stays ended: a late set for its sid (a request in flight) does not revive it', async () => {
        const s = session({ userId: 'user-d', expiresAt: T0 + 10 });
        await store.sessions.set(s);
        await store.sessions.destroy(s.sid);
        assert.equal(await store.sessions.get(s.sid), undefined);
        await store.sessions.set(s);
        assert.equal(await store.sessions.get(s.sid), undefined);
        assert.equal(await store.sessions.liveUntil('user-d', T0), null);
        await store.sessions.destroy(s.sid); // a second logout of the same cookie
        await store.sessions.purgeExpired(T0 + 11);
        await store.sessions.set(s);
        assert.equal(await store.sessions.get(s.sid), undefined, 'destroying twice does not shorten the tombstone');
      });

      it('destroyByUser ends every session of the user (tombstoned) and counts them', async () => {
        await store.sessions.set(session({ userId: 'user-e', sid: 'e1' }));
        await store.sessions.set(session({ userId: 'user-e', sid: 'e2' }));
        await store.sessions.set(session({ userId: 'user-f', sid: 'f1' }));
        assert.equal(await store.sessions.destroyByUser('user-e'), 2);
        assert.equal(await store.sessions.destroyByUser('user-e'), 0);
        await store.sessions.set(session({ userId: 'user-e', sid: 'e1' }));
        assert.deepEqual(await store.sessions.listByUser('user-e'), []);
        assert.ok(await store.sessions.get('f1'));
      });

      it('purgeExpired forgets records and tombstones older than `before`, counting records', async () => {
        await store.sessions.set(session({ sid: 'old', expiresAt: T0 }));
        await store.sessions.set(session({ sid: 'new', expiresAt: T0 + 100 }));
        await store.sessions.set(session({ sid: 'gone', expiresAt: T0 }));
        await store.sessions.destroy('gone');
        assert.equal(await store.sessions.purgeExpired(T0 + 1), 1);
        assert.equal(await store.sessions.get('old'), undefined);
        assert.ok(await store.sessions.get('new'));
        // The tombstone outlives the session by a day, then goes too: the sid can be reused.
        await store.sessions.purgeExpired(T0 + 2 * 24 * 3_600_000);
        await store.sessions.set(session({ sid: 'gone', expiresAt: T0 + 3 * 24 * 3_600_000 }));
        assert.ok(await store.sessions.get('gone'));
      });

      it('purgeExpired takes login-less sessions (no user) at their own expiry, ended logins only after `before`', async () => {
        await store.sessions.set(session({ sid: 'pending-old', userId: null, expiresAt: T0 + 10 }));
        await store.sessions.set(session({ sid: 'pending-live', userId: null, expiresAt: T0 + 1000 }));
        await store.sessions.set(session({ sid: 'login-ended', userId: 'user-p', expiresAt: T0 + 10 }));
        assert.equal(await store.sessions.purgeExpired(T0 - 86_400_000, T0 + 20), 1);
        assert.equal(await store.sessions.get('pending-old'), undefined);
        assert.ok(await store.sessions.get('pending-live'));
        assert.ok(await store.sessions.get('login-ended'), 'kept for the grace period');
      });

      it('replay claim is one-time until expiry, then claimable again; purgeExpired counts', async () => {
        assert.equal(await store.replay.claim('k1', T0 + 10, T0), true);
        assert.equal(await store.replay.claim('k1', T0 + 10, T0 + 5), false);
        assert.equal(await store.replay.claim('k1', T0 + 20, T0 + 10), true, 'expired claims are forgotten');
        assert.equal(await store.replay.claim('k2', T0 + 30, T0 + 10), true);
        assert.equal(await store.replay.purgeExpired(T0 + 25), 1);
        assert.equal(await store.replay.claim('k2', T0 + 40, T0 + 26), false);
      });

      it('settings round-trip JSON values; unknown keys are undefined', async () => {
        assert.equal(await store.settings.get('nope'), undefined);
        await store.settings.set('clock-offset', 12345);
        await store.settings.set('saml-settings', { enabled: true, list: [1, 'a'] });
        await store.settings.set('clock-offset', 99);
        assert.equal(await store.settings.get('clock-offset'), 99);
        assert.deepEqual(await store.settings.get('saml-settings'), { enabled: true, list: [1, 'a'] });
      });
    });
  });
}
