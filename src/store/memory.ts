/**
 * In-memory store: the backend of `--data :memory:` and the reference the contract suite
 * (test/store/) holds the SQLite store to. Maps with secondary indexes so every lookup the hot
 * path makes (token by secret hash, live session by user) is O(1)-ish even with a million tokens.
 *
 * Each method runs to completion without awaiting anything in between, so on one event loop it
 * is atomic, which is what the interface promises.
 */
import {
  StoreConflictError,
  type AcceptResult,
  type LoginInput,
  type LoginResult,
  type MemberChange,
  type OrganizationPatch,
  type OrganizationRecord,
  type OrganizationStore,
  type OrgMembershipRecord,
  type OrgMembershipStore,
  type Page,
  type Paged,
  type ReplayCache,
  type ResolvedToken,
  type SessionRecord,
  type SessionStore,
  type SettingsStore,
  type Store,
  type SuspendResult,
  type TeamPatch,
  type TeamRecord,
  type TeamStore,
  type TokenKind,
  type TokenRecord,
  type TokenStore,
  type UserFilter,
  type UserRecord,
  type UserStore,
} from './types.ts';
import { copyOut } from './memory-copy.ts';
import { createMemoryResourceStore } from './memory-resources.ts';
import { createMemoryWorkspaceStores, type MemoryCascades } from './memory-workspaces.ts';
import { countAuthWrites, WriteGeneration } from './write-generation.ts';

// Records are copied in and out so callers cannot mutate stored state by accident, as they
// could not with a real database. Shallow copies by hand, not structuredClone: the token lookup
// is on every API call's path, and a spread is several times cheaper.
const copyUser = (u: UserRecord): UserRecord => ({ ...u, memberOf: [...u.memberOf], loginFindings: u.loginFindings.map((f) => ({ ...f })) });
const copyToken = (t: TokenRecord): TokenRecord => ({ ...t });
const copyOrg = (o: OrganizationRecord): OrganizationRecord => ({ ...o, attributes: structuredClone(o.attributes) });
const copyTeam = (t: TeamRecord): TeamRecord => ({ ...t, organizationAccess: { ...t.organizationAccess } });
const copyMembership = (m: OrgMembershipRecord): OrgMembershipRecord => ({ ...m, initialTeamIds: [...m.initialTeamIds] });

export function paginate<T>(all: T[], page: Page): Paged<T> {
  const start = (page.number - 1) * page.size;
  return { items: all.slice(start, start + page.size), total: all.length };
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

class Indexed<K, V> {
  private readonly map = new Map<K, Set<V>>();
  add(key: K, value: V) {
    let set = this.map.get(key);
    if (!set) this.map.set(key, (set = new Set()));
    set.add(value);
  }
  delete(key: K, value: V) {
    const set = this.map.get(key);
    if (!set) return;
    set.delete(value);
    if (set.size === 0) this.map.delete(key);
  }
  get(key: K): ReadonlySet<V> {
    return this.map.get(key) ?? new Set();
  }
  drop(key: K) {
    this.map.delete(key);
  }
}

/** All the maps, shared by the section objects so cross-section steps (cascades) stay atomic. */
class MemoryState {
  /** The workspace half's cascades (set by createMemoryStore): called at the moment a parent is deleted. */
  cascades: MemoryCascades = { organizationDeleted: () => {}, teamDeleted: () => {} };
  users = new Map<string, UserRecord>();
  userIdByEmail = new Map<string, string>();
  userIdByUsername = new Map<string, string>();

  orgs = new Map<string, OrganizationRecord>();
  orgIdByName = new Map<string, string>();
  teams = new Map<string, TeamRecord>();
  teamsByOrg = new Indexed<string, string>();
  /** team id -> user ids */
  members = new Indexed<string, string>();
  /** user id -> team ids */
  teamsOfUser = new Indexed<string, string>();
  memberships = new Map<string, OrgMembershipRecord>();
  membershipsByOrg = new Indexed<string, string>();

  tokens = new Map<string, TokenRecord>();
  tokenIdByHash = new Map<string, string>();
  tokensByOwner = new Indexed<string, string>();

  sessions = new Map<string, SessionRecord>();
  sessionsByUser = new Indexed<string, string>();
  /** Destroyed sids and when the tombstone may be forgotten (a late set must not revive them). */
  tombstones = new Map<string, number>();

  replay = new Map<string, number>();
  settings = new Map<string, string>();

  putUser(user: UserRecord) {
    const old = this.users.get(user.id);
    if (old) {
      this.userIdByEmail.delete(old.email.toLowerCase());
      this.userIdByUsername.delete(old.username);
    }
    this.users.set(user.id, copyUser(user));
    this.userIdByEmail.set(user.email.toLowerCase(), user.id);
    this.userIdByUsername.set(user.username, user.id);
  }

  addMember(teamId: string, userId: string): boolean {
    if (this.members.get(teamId).has(userId)) return false;
    this.members.add(teamId, userId);
    this.teamsOfUser.add(userId, teamId);
    return true;
  }
  removeMember(teamId: string, userId: string): boolean {
    if (!this.members.get(teamId).has(userId)) return false;
    this.members.delete(teamId, userId);
    this.teamsOfUser.delete(userId, teamId);
    return true;
  }

  ownerKey(kind: TokenKind, ownerId: string) {
    return `${kind}:${ownerId}`;
  }
  insertToken(token: TokenRecord) {
    this.tokens.set(token.id, copyToken(token));
    this.tokenIdByHash.set(token.secretHash, token.id);
    this.tokensByOwner.add(this.ownerKey(token.kind, token.ownerId), token.id);
  }
  deleteToken(id: string): boolean {
    const t = this.tokens.get(id);
    if (!t) return false;
    this.tokens.delete(id);
    this.tokenIdByHash.delete(t.secretHash);
    this.tokensByOwner.delete(this.ownerKey(t.kind, t.ownerId), id);
    return true;
  }
  deleteTokensOf(kind: TokenKind, ownerId: string) {
    for (const id of [...this.tokensByOwner.get(this.ownerKey(kind, ownerId))]) this.deleteToken(id);
  }

  deleteTeam(teamId: string) {
    const team = this.teams.get(teamId);
    if (!team) return;
    for (const userId of [...this.members.get(teamId)]) this.removeMember(teamId, userId);
    this.deleteTokensOf('team', teamId);
    this.teams.delete(teamId);
    this.teamsByOrg.delete(team.organizationId, teamId);
    this.cascades.teamDeleted(teamId);
  }

  ownersTeamId(orgId: string): string | undefined {
    for (const id of this.teamsByOrg.get(orgId)) if (this.teams.get(id)!.isOwners) return id;
    return undefined;
  }

  liveUntil(userId: string, now: number): number | null {
    let latest: number | null = null;
    for (const sid of this.sessionsByUser.get(userId)) {
      const rec = this.sessions.get(sid)!;
      if (rec.userId !== null && rec.expiresAt > now && (latest === null || rec.expiresAt > latest)) latest = rec.expiresAt;
    }
    return latest;
  }

  destroySession(sid: string, tombstoneUntil: number) {
    const old = this.sessions.get(sid);
    if (old) {
      this.sessions.delete(sid);
      if (old.userId) this.sessionsByUser.delete(old.userId, sid);
    }
    // A second destroy of the same sid (a second logout with the same cookie) must not shorten
    // the tombstone, or a purge could forget it while a request is still in flight.
    const existing = this.tombstones.get(sid);
    this.tombstones.set(sid, existing === undefined ? tombstoneUntil : Math.max(existing, tombstoneUntil));
  }
  destroySessionsOf(userId: string): number {
    const sids = [...this.sessionsByUser.get(userId)];
    // A tombstone for a day: any request in flight for these sessions ends well before that.
    for (const sid of sids) this.destroySession(sid, (this.sessions.get(sid)?.expiresAt ?? 0) + TOMBSTONE_MS);
    return sids.length;
  }
}

/** How long past a destroyed session's own expiry its tombstone is kept. */
export const TOMBSTONE_MS = 24 * 3_600_000;

function matchesUser(u: UserRecord, f: UserFilter): boolean {
  if (f.siteAdmin !== undefined && u.isSiteAdmin !== f.siteAdmin) return false;
  if (f.suspended !== undefined && u.isSuspended !== f.suspended) return false;
  if (f.serviceAccount !== undefined && u.isServiceAccount !== f.serviceAccount) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!u.username.toLowerCase().includes(q) && !u.email.toLowerCase().includes(q)) return false;
  }
  return true;
}

class MemoryUsers implements UserStore {
  constructor(private readonly s: MemoryState) {}

  async get(id: string) {
    return copyOut(this.s.users, id, copyUser);
  }
  async getByEmail(email: string) {
    const id = this.s.userIdByEmail.get(email.toLowerCase());
    return id ? this.get(id) : undefined;
  }
  async getByUsername(username: string) {
    const id = this.s.userIdByUsername.get(username);
    return id ? this.get(id) : undefined;
  }
  async list(filter: UserFilter, page: Page) {
    const all = [...this.s.users.values()].filter((u) => matchesUser(u, filter)).sort((a, b) => (a.username < b.username ? -1 : 1));
    const p = paginate(all, page);
    return { items: p.items.map(copyUser), total: p.total };
  }
  async count(filter: UserFilter = {}) {
    let n = 0;
    for (const u of this.s.users.values()) if (matchesUser(u, filter)) n++;
    return n;
  }
  async recordLogin(i: LoginInput): Promise<LoginResult> {
    const existingId = this.s.userIdByEmail.get(i.email.toLowerCase());
    const existing = existingId ? this.s.users.get(existingId) : undefined;
    if (existing?.isSuspended) return { ok: false, reason: 'suspended', user: copyUser(existing) };
    const nameOwnerId = this.s.userIdByUsername.get(i.username);
    if (nameOwnerId && nameOwnerId !== existing?.id) return { ok: false, reason: 'username-taken', owner: copyUser(this.s.users.get(nameOwnerId)!) };
    const user: UserRecord = {
      id: existing?.id ?? i.newUserId,
      createdAt: existing?.createdAt ?? i.now,
      isSuspended: false,
      email: i.email,
      username: i.username,
      isSiteAdmin: i.isSiteAdmin,
      isServiceAccount: i.isServiceAccount,
      serviceAccountSyncedAt: i.now,
      memberOf: [...i.memberOf],
      loginFindings: i.loginFindings.map((f) => ({ ...f })),
      lastLoginAt: i.now,
      // A login syncs the email from the NameID: an email change asked for earlier is dropped.
      unconfirmedEmail: null,
    };
    this.s.putUser(user);
    return { ok: true, user: copyUser(user), created: !existing };
  }
  async setSuspended(id: string, suspended: boolean): Promise<SuspendResult> {
    const u = this.s.users.get(id);
    if (!u) return { ok: false, reason: 'not-found' };
    if (u.isSuspended === suspended) return { ok: false, reason: 'already' };
    u.isSuspended = suspended;
    const sessionsEnded = suspended ? this.s.destroySessionsOf(id) : 0;
    return { ok: true, user: copyUser(u), sessionsEnded };
  }
  async update(id: string, patch: { username?: string; email?: string; unconfirmedEmail?: string | null }) {
    const u = this.s.users.get(id);
    if (!u) return undefined;
    if (patch.username !== undefined) {
      const owner = this.s.userIdByUsername.get(patch.username);
      if (owner && owner !== id) throw new StoreConflictError(`username ${patch.username} is taken`);
    }
    if (patch.email !== undefined) {
      const owner = this.s.userIdByEmail.get(patch.email.toLowerCase());
      if (owner && owner !== id) throw new StoreConflictError(`email ${patch.email} is taken`);
    }
    const next = { ...u, ...patch };
    this.s.putUser(next);
    return copyUser(next);
  }
}

class MemoryOrganizations implements OrganizationStore {
  constructor(private readonly s: MemoryState) {}

  async get(id: string) {
    return copyOut(this.s.orgs, id, copyOrg);
  }
  async getByName(name: string) {
    const id = this.s.orgIdByName.get(name);
    return id ? this.get(id) : undefined;
  }
  async list(page: Page, opts: { userId?: string; q?: string } = {}) {
    let all = [...this.s.orgs.values()];
    if (opts.userId !== undefined) {
      const orgIds = new Set<string>();
      for (const teamId of this.s.teamsOfUser.get(opts.userId)) orgIds.add(this.s.teams.get(teamId)!.organizationId);
      for (const m of this.s.memberships.values()) if (m.userId === opts.userId && m.status === 'active') orgIds.add(m.organizationId);
      all = all.filter((o) => orgIds.has(o.id));
    }
    if (opts.q) {
      const q = opts.q.toLowerCase();
      all = all.filter((o) => o.name.toLowerCase().includes(q) || o.email.toLowerCase().includes(q));
    }
    const p = paginate(all.sort(byName), page);
    return { items: p.items.map(copyOrg), total: p.total };
  }
  async create(org: OrganizationRecord, ownersTeam: TeamRecord, firstOwnerUserId: string | null) {
    if (this.s.orgIdByName.has(org.name)) throw new StoreConflictError(`organization ${org.name} already exists`);
    if (this.s.orgs.has(org.id) || this.s.teams.has(ownersTeam.id)) throw new StoreConflictError('id already exists');
    this.s.orgs.set(org.id, copyOrg(org));
    this.s.orgIdByName.set(org.name, org.id);
    this.s.teams.set(ownersTeam.id, copyTeam({ ...ownersTeam, organizationId: org.id, isOwners: true }));
    this.s.teamsByOrg.add(org.id, ownersTeam.id);
    if (firstOwnerUserId !== null && this.s.users.has(firstOwnerUserId)) this.s.addMember(ownersTeam.id, firstOwnerUserId);
  }
  async update(id: string, patch: OrganizationPatch) {
    const o = this.s.orgs.get(id);
    if (!o) return undefined;
    if (patch.name !== undefined && patch.name !== o.name) {
      if (this.s.orgIdByName.has(patch.name)) throw new StoreConflictError(`organization ${patch.name} already exists`);
      this.s.orgIdByName.delete(o.name);
      this.s.orgIdByName.set(patch.name, id);
    }
    const next = copyOrg({ ...o, ...patch, attributes: patch.attributes ?? o.attributes });
    this.s.orgs.set(id, next);
    return copyOrg(next);
  }
  async delete(id: string) {
    const o = this.s.orgs.get(id);
    if (!o) return false;
    for (const teamId of [...this.s.teamsByOrg.get(id)]) this.s.deleteTeam(teamId);
    this.s.teamsByOrg.drop(id);
    for (const mid of [...this.s.membershipsByOrg.get(id)]) this.s.memberships.delete(mid);
    this.s.membershipsByOrg.drop(id);
    this.s.deleteTokensOf('organization', id);
    this.s.orgs.delete(id);
    this.s.orgIdByName.delete(o.name);
    this.s.cascades.organizationDeleted(id);
    return true;
  }
}

class MemoryTeams implements TeamStore {
  constructor(private readonly s: MemoryState) {}

  async get(id: string) {
    return copyOut(this.s.teams, id, copyTeam);
  }
  async getByName(organizationId: string, name: string) {
    for (const id of this.s.teamsByOrg.get(organizationId)) {
      const t = this.s.teams.get(id)!;
      if (t.name === name) return copyTeam(t);
    }
    return undefined;
  }
  async getOwners(organizationId: string) {
    const id = this.s.ownersTeamId(organizationId);
    return id ? this.get(id) : undefined;
  }
  async listByOrganization(organizationId: string, page: Page, opts: { names?: string[]; q?: string } = {}) {
    let all = [...this.s.teamsByOrg.get(organizationId)].map((id) => this.s.teams.get(id)!);
    if (opts.names) {
      const names = new Set(opts.names);
      all = all.filter((t) => names.has(t.name));
    }
    if (opts.q) {
      const q = opts.q.toLowerCase();
      all = all.filter((t) => t.name.toLowerCase().includes(q));
    }
    const p = paginate(all.sort(byName), page);
    return { items: p.items.map(copyTeam), total: p.total };
  }
  async create(team: TeamRecord) {
    if (!this.s.orgs.has(team.organizationId)) throw new StoreConflictError(`organization ${team.organizationId} does not exist`);
    if (this.s.teams.has(team.id)) throw new StoreConflictError('team id already exists');
    if (await this.getByName(team.organizationId, team.name)) throw new StoreConflictError(`team ${team.name} already exists`);
    this.s.teams.set(team.id, copyTeam(team));
    this.s.teamsByOrg.add(team.organizationId, team.id);
  }
  async update(id: string, patch: TeamPatch) {
    const t = this.s.teams.get(id);
    if (!t) return undefined;
    if (patch.name !== undefined && patch.name !== t.name) {
      for (const otherId of this.s.teamsByOrg.get(t.organizationId)) {
        if (otherId !== id && this.s.teams.get(otherId)!.name === patch.name) throw new StoreConflictError(`team ${patch.name} already exists`);
      }
    }
    const next = copyTeam({ ...t, ...patch, organizationAccess: patch.organizationAccess ?? t.organizationAccess });
    this.s.teams.set(id, next);
    return copyTeam(next);
  }
  async delete(id: string) {
    const t = this.s.teams.get(id);
    if (!t) return 'not-found' as const;
    if (t.isOwners) return 'owners' as const;
    this.s.deleteTeam(id);
    return 'deleted' as const;
  }
  async addMembers(teamId: string, userIds: string[]): Promise<MemberChange> {
    if (!this.s.teams.has(teamId)) return { ok: false, reason: 'team-not-found' };
    if (userIds.some((u) => !this.s.users.has(u))) return { ok: false, reason: 'user-not-found' };
    let changed = 0;
    for (const u of userIds) if (this.s.addMember(teamId, u)) changed++;
    return { ok: true, changed };
  }
  async removeMembers(teamId: string, userIds: string[]): Promise<MemberChange> {
    const team = this.s.teams.get(teamId);
    if (!team) return { ok: false, reason: 'team-not-found' };
    const current = this.s.members.get(teamId);
    const leaving = new Set(userIds.filter((u) => current.has(u)));
    if (team.isOwners && leaving.size > 0 && leaving.size >= current.size) return { ok: false, reason: 'last-owner' };
    for (const u of leaving) this.s.removeMember(teamId, u);
    return { ok: true, changed: leaving.size };
  }
  async listMembers(teamId: string, page: Page) {
    const all = [...this.s.members.get(teamId)].map((id) => this.s.users.get(id)!).sort((a, b) => (a.username < b.username ? -1 : 1));
    const p = paginate(all, page);
    return { items: p.items.map(copyUser), total: p.total };
  }
  async teamsOfUser(userId: string) {
    return [...this.s.teamsOfUser.get(userId)].map((id) => copyTeam(this.s.teams.get(id)!));
  }
  async syncUserTeams(userId: string, organizationId: string, teamIds: string[]) {
    const wanted = new Set(teamIds.filter((id) => this.s.teams.get(id)?.organizationId === organizationId));
    const added: string[] = [];
    const removed: string[] = [];
    for (const teamId of [...this.s.teamsOfUser.get(userId)]) {
      const team = this.s.teams.get(teamId)!;
      if (team.organizationId !== organizationId || wanted.has(teamId)) continue;
      // Never empty the owners team through a sync: the organization would become unmanageable.
      if (team.isOwners && this.s.members.get(teamId).size <= 1) continue;
      this.s.removeMember(teamId, userId);
      removed.push(teamId);
    }
    if (this.s.users.has(userId)) for (const teamId of wanted) if (this.s.addMember(teamId, userId)) added.push(teamId);
    return { added, removed };
  }
}

class MemoryOrgMemberships implements OrgMembershipStore {
  constructor(private readonly s: MemoryState) {}

  async get(id: string) {
    return copyOut(this.s.memberships, id, copyMembership);
  }
  async getByEmail(organizationId: string, email: string) {
    const e = email.toLowerCase();
    for (const id of this.s.membershipsByOrg.get(organizationId)) {
      const m = this.s.memberships.get(id)!;
      if (m.email.toLowerCase() === e) return copyMembership(m);
    }
    return undefined;
  }
  async listByOrganization(organizationId: string, page: Page, opts: { status?: 'invited' | 'active'; q?: string } = {}) {
    let all = [...this.s.membershipsByOrg.get(organizationId)].map((id) => this.s.memberships.get(id)!);
    if (opts.status) all = all.filter((m) => m.status === opts.status);
    if (opts.q) {
      const q = opts.q.toLowerCase();
      all = all.filter((m) => m.email.toLowerCase().includes(q));
    }
    all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const p = paginate(all, page);
    return { items: p.items.map(copyMembership), total: p.total };
  }
  async listByUser(userId: string) {
    return [...this.s.memberships.values()]
      .filter((m) => m.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map(copyMembership);
  }
  async create(m: OrgMembershipRecord) {
    if (!this.s.orgs.has(m.organizationId)) throw new StoreConflictError(`organization ${m.organizationId} does not exist`);
    if (await this.getByEmail(m.organizationId, m.email)) throw new StoreConflictError(`${m.email} is already a member or invited`);
    this.s.memberships.set(m.id, copyMembership(m));
    this.s.membershipsByOrg.add(m.organizationId, m.id);
    if (m.status === 'active' && m.userId) for (const t of m.initialTeamIds) if (this.s.teams.has(t)) this.s.addMember(t, m.userId);
  }
  async setInitialTeams(id: string, teamIds: string[]) {
    const m = this.s.memberships.get(id);
    if (!m) return undefined;
    m.initialTeamIds = [...new Set(teamIds)];
    return copyMembership(m);
  }
  async delete(id: string) {
    const m = this.s.memberships.get(id);
    if (!m) return 'not-found' as const;
    if (m.userId) {
      const ownersId = this.s.ownersTeamId(m.organizationId);
      if (ownersId && this.s.members.get(ownersId).has(m.userId) && this.s.members.get(ownersId).size <= 1) return 'last-owner' as const;
      for (const teamId of [...this.s.teamsOfUser.get(m.userId)]) {
        if (this.s.teams.get(teamId)!.organizationId === m.organizationId) this.s.removeMember(teamId, m.userId);
      }
    }
    this.s.memberships.delete(id);
    this.s.membershipsByOrg.delete(m.organizationId, id);
    return 'deleted' as const;
  }
  async activateInvitations(email: string, userId: string) {
    const e = email.toLowerCase();
    const out: OrgMembershipRecord[] = [];
    for (const m of this.s.memberships.values()) {
      // An invitation that names a user waits for that user's consent (acceptInvitation).
      if (m.status !== 'invited' || m.userId !== null || m.email.toLowerCase() !== e) continue;
      m.status = 'active';
      m.userId = userId;
      if (this.s.users.has(userId)) for (const t of m.initialTeamIds) if (this.s.teams.has(t)) this.s.addMember(t, userId);
      out.push(copyMembership(m));
    }
    return out;
  }
  async acceptInvitation(id: string, userId: string): Promise<AcceptResult> {
    const m = this.s.memberships.get(id);
    if (!m || m.userId !== userId) return { ok: false, reason: 'not-found' };
    if (m.status !== 'invited') return { ok: false, reason: 'not-invited' };
    m.status = 'active';
    if (this.s.users.has(userId)) for (const t of m.initialTeamIds) if (this.s.teams.has(t)) this.s.addMember(t, userId);
    return { ok: true, membership: copyMembership(m) };
  }
}

class MemoryTokens implements TokenStore {
  constructor(private readonly s: MemoryState) {}

  async create(token: TokenRecord) {
    if (this.s.tokens.has(token.id) || this.s.tokenIdByHash.has(token.secretHash)) throw new StoreConflictError('token already exists');
    this.s.insertToken(token);
  }
  async replaceSingular(token: TokenRecord) {
    if (this.s.tokens.has(token.id) || this.s.tokenIdByHash.has(token.secretHash)) throw new StoreConflictError('token already exists');
    let replaced: string | null = null;
    for (const id of this.s.tokensByOwner.get(this.s.ownerKey(token.kind, token.ownerId))) {
      if (this.s.tokens.get(id)!.singular) replaced = id;
    }
    if (replaced) this.s.deleteToken(replaced);
    this.s.insertToken({ ...token, singular: true });
    return replaced;
  }
  async get(id: string) {
    const t = this.s.tokens.get(id);
    return t && copyToken(t);
  }
  async getSingular(kind: 'team' | 'organization', ownerId: string) {
    for (const id of this.s.tokensByOwner.get(this.s.ownerKey(kind, ownerId))) {
      const t = this.s.tokens.get(id)!;
      if (t.singular) return copyToken(t);
    }
    return undefined;
  }
  private sorted(ids: Iterable<string>) {
    return [...ids].map((id) => this.s.tokens.get(id)!).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }
  async listByOwner(kind: TokenKind, ownerId: string, page: Page, opts: { singular?: boolean } = {}) {
    let all = this.sorted(this.s.tokensByOwner.get(this.s.ownerKey(kind, ownerId)));
    if (opts.singular !== undefined) all = all.filter((t) => t.singular === opts.singular);
    const p = paginate(all, page);
    return { items: p.items.map(copyToken), total: p.total };
  }
  async listTeamTokensOfOrganization(organizationId: string, page: Page) {
    const ids: string[] = [];
    for (const teamId of this.s.teamsByOrg.get(organizationId)) ids.push(...this.s.tokensByOwner.get(this.s.ownerKey('team', teamId)));
    const p = paginate(this.sorted(ids), page);
    return { items: p.items.map(copyToken), total: p.total };
  }
  async descriptionTaken(kind: TokenKind, ownerId: string, description: string) {
    for (const id of this.s.tokensByOwner.get(this.s.ownerKey(kind, ownerId))) {
      const t = this.s.tokens.get(id)!;
      if (!t.singular && t.description === description) return true;
    }
    return false;
  }
  async delete(id: string) {
    return this.s.deleteToken(id);
  }
  async resolve(secretHash: string, now: number): Promise<ResolvedToken | undefined> {
    const id = this.s.tokenIdByHash.get(secretHash);
    const t = id === undefined ? undefined : this.s.tokens.get(id);
    if (!t) return undefined;
    const out: ResolvedToken = { token: copyToken(t), webSessionLiveUntil: null };
    if (t.kind === 'user') {
      const u = this.s.users.get(t.ownerId);
      if (u) {
        out.user = copyUser(u);
        if (!u.isServiceAccount) out.webSessionLiveUntil = this.s.liveUntil(u.id, now);
      }
    } else if (t.kind === 'team') {
      const team = this.s.teams.get(t.ownerId);
      if (team) {
        out.team = copyTeam(team);
        const org = this.s.orgs.get(team.organizationId);
        if (org) out.organization = copyOrg(org);
      }
    } else {
      const org = this.s.orgs.get(t.ownerId);
      if (org) out.organization = copyOrg(org);
    }
    return out;
  }
  async touch(id: string, lastUsedAt: number) {
    const t = this.s.tokens.get(id);
    // Never backwards: two writers touching the same token keep the latest use.
    if (t && (t.lastUsedAt === null || t.lastUsedAt < lastUsedAt)) t.lastUsedAt = lastUsedAt;
  }
  async count() {
    return this.s.tokens.size;
  }
}

class MemorySessions implements SessionStore {
  constructor(private readonly s: MemoryState) {}

  async get(sid: string) {
    const r = this.s.sessions.get(sid);
    return r && { ...r };
  }
  async set(record: SessionRecord) {
    if (this.s.tombstones.has(record.sid)) return;
    const old = this.s.sessions.get(record.sid);
    if (old?.userId && old.userId !== record.userId) this.s.sessionsByUser.delete(old.userId, record.sid);
    this.s.sessions.set(record.sid, { ...record });
    if (record.userId) this.s.sessionsByUser.add(record.userId, record.sid);
  }
  async destroy(sid: string) {
    const old = this.s.sessions.get(sid);
    this.s.destroySession(sid, (old?.expiresAt ?? 0) + TOMBSTONE_MS);
  }
  async listByUser(userId: string) {
    return [...this.s.sessionsByUser.get(userId)].map((sid) => ({ ...this.s.sessions.get(sid)! }));
  }
  async liveUntil(userId: string, now: number) {
    return this.s.liveUntil(userId, now);
  }
  async destroyByUser(userId: string) {
    return this.s.destroySessionsOf(userId);
  }
  async purgeExpired(before: number, pendingBefore = before) {
    let n = 0;
    for (const [sid, rec] of this.s.sessions) {
      if (rec.expiresAt < (rec.userId === null ? pendingBefore : before)) {
        this.s.sessions.delete(sid);
        if (rec.userId) this.s.sessionsByUser.delete(rec.userId, sid);
        n++;
      }
    }
    for (const [sid, until] of this.s.tombstones) if (until < before) this.s.tombstones.delete(sid);
    return n;
  }
}

class MemoryReplayCache implements ReplayCache {
  private sweepAt = 0;
  constructor(private readonly s: MemoryState) {}

  async claim(key: string, expiresAt: number, now: number) {
    if (now >= this.sweepAt) await this.purgeExpired(now);
    const until = this.s.replay.get(key);
    if (until !== undefined && until > now) return false;
    this.s.replay.set(key, expiresAt);
    return true;
  }
  async purgeExpired(now: number) {
    let n = 0;
    for (const [k, until] of this.s.replay) {
      if (until <= now) {
        this.s.replay.delete(k);
        n++;
      }
    }
    this.sweepAt = now + 60_000;
    return n;
  }
}

class MemorySettings implements SettingsStore {
  constructor(private readonly s: MemoryState) {}
  async get<T = unknown>(key: string) {
    const v = this.s.settings.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async set(key: string, value: unknown) {
    this.s.settings.set(key, JSON.stringify(value));
  }
}

export function createMemoryStore(): Store {
  const s = new MemoryState();
  // The resources section dies with organizations and workspaces; the workspace half calls it
  // when a workspace goes, and the organization delete below reaches it through cascades.
  let workspaceExists = (_id: string) => false;
  const resources = createMemoryResourceStore({ organizationExists: (id) => s.orgs.has(id), workspaceExists: (id) => workspaceExists(id) });
  const workspaces = createMemoryWorkspaceStores({
    organizationExists: (id) => s.orgs.has(id),
    teamExists: (id) => s.teams.has(id),
    workspaceDeleted: (id) => resources.cascades.workspaceDeleted(id),
  });
  workspaceExists = workspaces.workspaceExists;
  s.cascades = {
    organizationDeleted: (id) => {
      workspaces.cascades.organizationDeleted(id);
      resources.cascades.organizationDeleted(id);
    },
    teamDeleted: (id) => workspaces.cascades.teamDeleted(id),
  };
  const generation = new WriteGeneration();
  return {
    kind: 'memory',
    ...countAuthWrites(
      { users: new MemoryUsers(s), organizations: new MemoryOrganizations(s), teams: new MemoryTeams(s), orgMemberships: new MemoryOrgMemberships(s), tokens: new MemoryTokens(s), sessions: new MemorySessions(s) },
      generation,
    ),
    replay: new MemoryReplayCache(s),
    settings: new MemorySettings(s),
    ...workspaces.stores,
    resources: resources.store,
    authDataGeneration: () => generation.value,
    async close() {},
  };
}
